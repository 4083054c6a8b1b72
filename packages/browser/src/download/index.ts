/**
 * One download in the browser: the node's multi-source engine (SourcePool, its
 * workers, the chunk picker, verification) composed with the page's libp2p and a chunk
 * store in OPFS. Sources are the daemons the user named; every chunk is verified
 * against the manifest before it is stored, a source sending bad chunks is struck and
 * banned as in the daemon, chunks found stored on a new start are verified and kept
 * (resume), and the whole-file SHA-256 is checked before the file is handed back.
 */
import type { Libp2p, Logger } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { FetchSession, type FetchSessionComponents, type FirstRequest, SourcePool, type TransferSettings } from '@peershare/node/engine'
import { type FileRef, parseFileId } from '@peershare/protocol'
import { openChunkStore } from '../storage/index.js'
import { BrowserDownload } from './browser-download.js'

export type { DownloadProgress, DownloadedFile } from './browser-download.js'

export interface DownloadSettings extends Pick<TransferSettings, 'maxSources' | 'maxStrikes' | 'sourceRefreshInterval' | 'stallRetryMax'> {
  /** Time for a source to answer (ms) */
  requestTimeout: number
  /** Bytes buffered from one session before we stop reading it */
  readHighWaterMark: number
  /** Accept compressed chunks (gzip; zstd where the browser inflates it) */
  compression: boolean
  /** Time to connect to a source (ms) */
  dialTimeout: number
}

export interface DownloadComponents {
  libp2p: Pick<Libp2p, 'dial'>
  settings: DownloadSettings
  log: Logger
}

export interface DownloadOptions {
  signal?: AbortSignal
  onProgress?(progress: import('./browser-download.js').DownloadProgress): void
}

/** A source was not a multiaddr ending in /p2p/<peer id> */
export class BadSourceError extends Error {
  static override name = 'BadSourceError'
  override name = 'BadSourceError'
}

/** Downloads `fileId` from `sources` (multiaddrs with /p2p/) at once into browser storage */
export async function download (components: DownloadComponents, fileId: string, sources: string[], options: DownloadOptions = {}): Promise<import('./browser-download.js').DownloadedFile> {
  parseFileId(fileId)
  for (const source of sources) checkSource(source)
  const { settings, log } = components
  const exchange: FetchSessionComponents = {
    libp2p: components.libp2p,
    limits: { requestTimeout: settings.requestTimeout, readHighWaterMark: settings.readHighWaterMark, compression: settings.compression },
    dialTimeout: settings.dialTimeout
  }
  const host = new BrowserDownload({ fileId, store: await openChunkStore(fileId), settings, log, signal: options.signal, onProgress: options.onProgress })
  const pool = new SourcePool({
    host,
    finder: {
      open: async (target: string, ref: FileRef, signal: AbortSignal, first?: FirstRequest) => FetchSession.open(exchange, multiaddr(target), ref, signal, first),
      // the browser has no DHT: its sources are the ones it was given
      providers: async function * () {}
    },
    settings,
    log,
    remembered: [...sources],
    rememberedChanged: () => {}
  })
  return host.run(pool)
}

function checkSource (source: string): void {
  let ok = false
  try {
    ok = multiaddr(source).getComponents().some(c => c.name === 'p2p')
  } catch {}
  if (!ok) throw new BadSourceError(`Not a multiaddr with /p2p/<peer id>: ${source}`)
}
