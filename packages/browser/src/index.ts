/**
 * @peershare/browser: a peershare peer in a web page. It runs libp2p in the browser
 * (WebRTC-direct and WebSockets to daemons, noise, yamux, identify), the node's
 * exchange client and multi-source engine (`@peershare/node/engine`), and keeps chunks
 * in the Origin Private File System. A download fetches from several daemons at once,
 * verifies every chunk, resumes what is stored, reports progress, and gives a Blob.
 * A file picked in the page is shared with the node's exchange server: a daemon the
 * page connected to downloads it (`peershare get <id> --peer /p2p/<page's peer id>`).
 *
 * ```ts
 * const peer = await createBrowserPeer()
 * const file = await peer.download(fileId, ['/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/…/p2p/12D3…'], { onProgress })
 * const { results } = await peer.search('holiday')       // the peers the page is connected to
 * const mine = await peer.reachableVia('/ip4/…/webrtc-direct/certhash/…/p2p/<relay>') // another page downloads from mine[0]
 * ```
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { type DataChannelOptions, webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { type DownloadedFile, type DownloadOptions, type DownloadSettings, download } from './download/index.js'
import { ExchangeServer } from '@peershare/node/engine'
import { AllowedHosts } from './gater/index.js'
import { PageShares, type SharedFile } from './share/index.js'
import { browserToBrowserAddresses, closeRelayedOnceDirect, connectionsTo, type PeerConnection, parseRelay, relayListen } from './relay/index.js'
import { PageSearch, type SearchOptions, type SearchOutcome, untilIdentified } from './search/index.js'
import { resolveSettings, SERVE_LIMITS, WEBRTC_DATA_CHANNEL, YAMUX_STREAMS } from './settings.js'
import { removeChunkStore } from './storage/index.js'

export { BadSourceError, type DownloadOptions, type DownloadSettings } from './download/index.js'
export { DownloadFailedError, type DownloadedFile, type DownloadProgress } from './download/browser-download.js'
export { isPrivateHost } from './gater/index.js'
export { storageAvailable } from './storage/index.js'
export { BadSettingError, DEFAULTS, SERVE_LIMITS } from './settings.js'
export { BadRelayError, type PeerConnection, RelayRefusedError } from './relay/index.js'
export { BadQueryError, SEARCH_SETTINGS, type SearchOptions, type SearchOutcome, type SearchResult } from './search/index.js'
export { FileChangedError, MAX_SHARED_FILES, ShareRefusedError, type SharedFile } from './share/index.js'

export interface BrowserPeerInit {
  /**
   * Addresses (or bare hosts) whose host may be dialled though it is loopback or
   * private; a download's sources are added too. Other private hosts are refused.
   * @default []
   */
  allow?: string[]
  /** Download settings; each missing one is taken from DEFAULTS */
  settings?: Partial<DownloadSettings>
  /**
   * STUN/TURN servers for WebRTC (libp2p's default would ask public STUN servers of
   * Google, Cloudflare and others: none is asked unless given here). WebRTC-direct to a
   * daemon needs none; pages on one machine or LAN connect to each other without any.
   * @default []
   */
  iceServers?: RTCIceServer[]
}

export interface BrowserPeer {
  readonly libp2p: Libp2p
  readonly settings: Readonly<DownloadSettings>
  /** Downloads `fileId` from `sources` (multiaddrs ending in /p2p/<peer id>) at once; the sources' hosts become dialable */
  download(fileId: string, sources: string[], options?: DownloadOptions): Promise<DownloadedFile>
  /** Removes a file's stored chunks */
  forget(fileId: string): Promise<void>
  /** Shares a file picked in the page (served while the page is open) */
  share(file: File, signal?: AbortSignal): Promise<SharedFile>
  /** Connects to peers (multiaddrs with /p2p/): they can fetch what the page shares over the connection, and the page can search them */
  connect(addrs: string[], signal?: AbortSignal): Promise<void>
  /**
   * Becomes reachable by other pages: reserves on `relay` (a daemon with `--relay-server on`,
   * its WebRTC-direct or WebSockets address ending in /p2p/<id>) and returns the page's
   * `…/p2p-circuit/webrtc/p2p/<page>` addresses, which another page downloads from
   */
  reachableVia(relay: string): Promise<string[]>
  /** The page's addresses other pages can dial (none until `reachableVia`) */
  browserAddresses(): string[]
  /** How the page is connected to a peer now (direct or relayed, per connection) */
  connectionsTo(peer: string): PeerConnection[]
  /** Asks the connected peers that search (`/peershare/search/1.0.0`); signed offers are verified */
  search(text: string, options?: SearchOptions): Promise<SearchOutcome>
  stop(): Promise<void>
}

export async function createBrowserPeer (init: BrowserPeerInit = {}): Promise<BrowserPeer> {
  const settings = resolveSettings(init.settings)
  const allowed = new AllowedHosts()
  allowed.allow((init.allow ?? []).map(toAddr))
  const rtcConfiguration = { iceServers: init.iceServers ?? [] }
  const libp2p = await createLibp2p({
    // '/webrtc' announces `<relay>/p2p-circuit/webrtc` once a reservation exists (reachableVia)
    addresses: { listen: ['/webrtc'] },
    // the read buffer is an option of the stream the data channel options are spread into, not of their type
    transports: [
      webRTCDirect({ rtcConfiguration, dataChannel: { ...WEBRTC_DATA_CHANNEL } as DataChannelOptions }),
      webSockets(),
      webRTC({ rtcConfiguration, dataChannel: { ...WEBRTC_DATA_CHANNEL } as DataChannelOptions }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { ...YAMUX_STREAMS } })],
    connectionGater: allowed.gater(),
    services: { identify: identify(), relayListen: relayListen() }
  })
  const log = libp2p.logger.forComponent('peershare:browser:download')
  const shares = new PageShares()
  const server = new ExchangeServer({ libp2p, files: shares, bandwidth: { upload: async () => {} }, limits: SERVE_LIMITS, log: libp2p.logger.forComponent('peershare:browser:serve') })
  await server.start()
  const stopClosingRelayed = closeRelayedOnceDirect(libp2p, libp2p.logger.forComponent('peershare:browser:relay'))
  const search = new PageSearch({ libp2p, log: libp2p.logger.forComponent('peershare:browser:search') })
  return {
    libp2p,
    settings,
    async download (fileId, sources, options) {
      allowed.allow(sources.flatMap(s => { try { return [multiaddr(s)] } catch { return [] } }))
      return download({ libp2p, settings, log }, fileId, sources, options)
    },
    forget: removeChunkStore,
    share: async (file, signal) => shares.add(file, signal),
    async connect (addrs, signal) {
      const parsed = addrs.map(a => multiaddr(a))
      allowed.allow(parsed)
      // identified before returning: a search right after asks only peers known to speak it
      const identified = AbortSignal.any([AbortSignal.timeout(settings.dialTimeout), ...(signal == null ? [] : [signal])])
      await Promise.all(parsed.map(async a => untilIdentified(libp2p, (await libp2p.dial(a, { signal })).remotePeer, identified)))
    },
    async reachableVia (relay) {
      const addr = parseRelay(relay)
      allowed.allow([addr])
      await libp2p.services.relayListen.listenVia(addr)
      return browserToBrowserAddresses(libp2p)
    },
    browserAddresses: () => browserToBrowserAddresses(libp2p),
    connectionsTo: peer => connectionsTo(libp2p, peer),
    search: async (text, options) => search.search(text, options),
    stop: async () => {
      stopClosingRelayed()
      await server.stop()
      await libp2p.stop()
    }
  }
}

/** An address, or a bare host made into one (so its host can be allowed) */
function toAddr (value: string): ReturnType<typeof multiaddr> {
  if (value.startsWith('/')) return multiaddr(value)
  return multiaddr(value.includes(':') ? `/ip6/${value}` : /^[\d.]+$/.test(value) ? `/ip4/${value}` : `/dns/${value}`)
}
