/**
 * The little of WebTorrent 3.x (which ships no types) that worker-webtorrent.ts uses.
 * Options and events as in node_modules/webtorrent/index.js and lib/torrent.js.
 */
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events'

  interface ClientOptions {
    dht?: boolean
    tracker?: boolean
    lsd?: boolean
    utPex?: boolean
    natUpnp?: boolean
    natPmp?: boolean
    utp?: boolean
    webSeeds?: boolean
    torrentPort?: number
  }

  interface TorrentOptions {
    path?: string
    announce?: string[]
    private?: boolean
  }

  interface TorrentFile {
    path: string
    length: number
  }

  interface Torrent extends EventEmitter {
    readonly infoHash: string
    readonly torrentFile: Uint8Array
    readonly files: TorrentFile[]
    readonly path: string
    readonly done: boolean
    addPeer(addr: string): boolean
  }

  export default class WebTorrent extends EventEmitter {
    constructor (opts?: ClientOptions)
    seed(input: string, opts: TorrentOptions, onseed: (torrent: Torrent) => void): Torrent
    add(torrentId: Uint8Array, opts: TorrentOptions, ontorrent?: (torrent: Torrent) => void): Torrent
    address(): { address: string, port: number } | null
    destroy(cb?: (err?: Error) => void): void
  }
}
