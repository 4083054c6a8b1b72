/**
 * Every node setting with its documented default, in one place. `resolveConfig`
 * fills what the caller left out; a test checks that an empty init resolves to
 * exactly DEFAULTS.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CHUNK_SIZE } from '@peershare/protocol'

export interface ExchangeLimits {
  /** Exchange streams one connection may open to us at once */
  maxInboundStreamsPerConnection: number
  /** Exchange sessions served at once, over all peers */
  maxSessions: number
  /** Chunks one session may have queued with us at once */
  maxQueuedChunks: number
  /** A session with nothing queued and no message for this long is closed (ms) */
  sessionIdleTimeout: number
  /** Time for a peer to send its first message, or answer ours (ms) */
  requestTimeout: number
  /** Bytes buffered from one stream before we stop reading it (backpressure) */
  readHighWaterMark: number
}

export interface NodeConfig {
  /** Repo directory: identity, datastore, blobs, control API token */
  repo: string
  /** Multiaddrs to listen on */
  listen: string[]
  /** Chunk size for newly shared files (bytes, power of two) */
  chunkSize: number
  /** Bytes of chunk requests kept in flight per source when downloading */
  downloadWindowBytes: number
  /** Exchange protocol limits */
  exchange: ExchangeLimits
  /** Yamux stream window (bytes) and the read buffer that must exceed it */
  muxer: { streamWindowBytes: number, maxReadBufferBytes: number, maxStreamsPerConnection: number }
  /** Most open connections */
  maxConnections: number
  /** Timeout for dialling a peer (ms) */
  dialTimeout: number
}

/** Where the repo lives: `$PEERSHARE_REPO`, else `~/.peershare` */
export function defaultRepoPath (env: NodeJS.ProcessEnv = process.env): string {
  return env.PEERSHARE_REPO != null && env.PEERSHARE_REPO !== '' ? env.PEERSHARE_REPO : join(homedir(), '.peershare')
}

export const DEFAULTS: Readonly<Omit<NodeConfig, 'repo'>> = Object.freeze({
  listen: ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/udp/4001/webrtc-direct'],
  chunkSize: DEFAULT_CHUNK_SIZE,
  downloadWindowBytes: 8 * 1024 * 1024,
  exchange: Object.freeze({
    maxInboundStreamsPerConnection: 32,
    maxSessions: 256,
    maxQueuedChunks: 64,
    sessionIdleTimeout: 60_000,
    requestTimeout: 30_000,
    readHighWaterMark: 4 * 1024 * 1024
  }),
  muxer: Object.freeze({
    streamWindowBytes: 16 * 1024 * 1024,
    maxReadBufferBytes: 20 * 1024 * 1024,
    maxStreamsPerConnection: 256
  }),
  maxConnections: 300,
  dialTimeout: 10_000
})

export type NodeInit = Partial<Omit<NodeConfig, 'exchange' | 'muxer'>> & {
  exchange?: Partial<ExchangeLimits>
  muxer?: Partial<NodeConfig['muxer']>
}

export function resolveConfig (init: NodeInit = {}): NodeConfig {
  return {
    ...DEFAULTS,
    ...stripUndefined(init),
    repo: init.repo ?? defaultRepoPath(),
    listen: init.listen ?? [...DEFAULTS.listen],
    exchange: { ...DEFAULTS.exchange, ...stripUndefined(init.exchange ?? {}) },
    muxer: { ...DEFAULTS.muxer, ...stripUndefined(init.muxer ?? {}) }
  }
}

function stripUndefined<T extends object> (obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>
}
