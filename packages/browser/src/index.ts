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
 * ```
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { type DataChannelOptions, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { type DownloadedFile, type DownloadOptions, type DownloadSettings, download } from './download/index.js'
import { ExchangeServer } from '@peershare/node/engine'
import { AllowedHosts } from './gater/index.js'
import { PageShares, type SharedFile } from './share/index.js'
import { resolveSettings, SERVE_LIMITS, WEBRTC_DATA_CHANNEL } from './settings.js'
import { removeChunkStore } from './storage/index.js'

export { BadSourceError, type DownloadOptions, type DownloadSettings } from './download/index.js'
export { DownloadFailedError, type DownloadedFile, type DownloadProgress } from './download/browser-download.js'
export { isPrivateHost } from './gater/index.js'
export { storageAvailable } from './storage/index.js'
export { BadSettingError, DEFAULTS, SERVE_LIMITS } from './settings.js'
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
  /** Connects to peers (multiaddrs with /p2p/), so they can fetch what the page shares over the connection */
  connect(addrs: string[], signal?: AbortSignal): Promise<void>
  stop(): Promise<void>
}

export async function createBrowserPeer (init: BrowserPeerInit = {}): Promise<BrowserPeer> {
  const settings = resolveSettings(init.settings)
  const allowed = new AllowedHosts()
  allowed.allow((init.allow ?? []).map(toAddr))
  const libp2p = await createLibp2p({
    // the read buffer is an option of the stream the data channel options are spread into, not of their type
    transports: [webRTCDirect({ dataChannel: { ...WEBRTC_DATA_CHANNEL } as DataChannelOptions }), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: allowed.gater(),
    services: { identify: identify() }
  })
  const log = libp2p.logger.forComponent('peershare:browser:download')
  const shares = new PageShares()
  const server = new ExchangeServer({ libp2p, files: shares, bandwidth: { upload: async () => {} }, limits: SERVE_LIMITS, log: libp2p.logger.forComponent('peershare:browser:serve') })
  await server.start()
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
      await Promise.all(parsed.map(async a => libp2p.dial(a, { signal })))
    },
    stop: async () => {
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
