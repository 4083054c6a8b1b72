/**
 * The browser peer's download settings: one DEFAULTS, and the resolution of what a
 * caller gave (each missing setting from DEFAULTS; a bad value is an error naming it)
 */
import { type ExchangeLimits, YAMUX_READ_BUFFER_BYTES, YAMUX_WINDOW_BYTES } from '@peershare/node/engine'
import { MAX_OUTSTANDING_CHUNKS } from '@peershare/protocol'
import type { DownloadSettings } from './download/index.js'

/** Every download setting's default (the daemon's, with fewer sources: a page has less to spare) */
export const DEFAULTS: Readonly<DownloadSettings> = Object.freeze({
  maxSources: 8,
  maxStrikes: 3,
  sourceRefreshInterval: 15_000,
  stallRetryMax: 30_000,
  requestTimeout: 30_000,
  readHighWaterMark: 4 * 1024 * 1024,
  compression: true,
  dialTimeout: 10_000
})

/**
 * What the page's exchange server allows the peers it serves: the daemon's limits
 * (config DEFAULTS.exchange), scaled down to a page
 */
export const SERVE_LIMITS: Readonly<ExchangeLimits> = Object.freeze({
  maxInboundStreamsPerConnection: 4,
  maxSessions: 8,
  maxSessionsPerPeer: 2,
  idleEvictAfter: 30_000,
  maxAbandoned: 8,
  abandonPenalty: 60_000,
  maxInvalid: 16,
  invalidPenalty: 600_000,
  notFoundPerPeer: 32,
  notFoundWindow: 60_000,
  maxUnsentPerSession: 4 * 1024 * 1024,
  maxUnsentPerPeer: 8 * 1024 * 1024,
  maxUnsentBytes: 16 * 1024 * 1024,
  maxQueuedChunks: MAX_OUTSTANDING_CHUNKS,
  sessionIdleTimeout: 60_000,
  requestTimeout: 30_000,
  readHighWaterMark: 1024 * 1024,
  compression: true
})

/**
 * The page's WebRTC data channel streams. @libp2p/webrtc cannot ask the sender to pause
 * (its `sendPause` is a TODO): while a session's reader is paused at `readHighWaterMark`
 * the daemon goes on sending what was requested, and past the stream's read buffer
 * (4 MiB by default) the stream was aborted. A download's pipeline starts at 4 chunks
 * of up to 1 MiB (the default chunk size), so a page busy verifying lost its session
 * and waited for the next look (2 s) with chunks half received. The read buffer is
 * raised to what a session can have in flight; it still bounds a sender that ignores
 * what was asked for.
 */
export const WEBRTC_DATA_CHANNEL = Object.freeze({ maxReadBufferLength: 32 * 1024 * 1024 })

/**
 * The page's yamux streams (its WebSockets connections to daemons), sized as the daemon's
 * (config `muxer`, the same constants): the read buffer holds a whole window. yamux's defaults put a 4 MiB
 * read buffer under a window that grows to 16 MiB within a few round trips of a
 * download, so a session paused at `readHighWaterMark` while the page was busy had its
 * stream aborted by the window's worth still in flight, as WebRTC's was (above)
 */
export const YAMUX_STREAMS = Object.freeze({ maxStreamWindowSize: YAMUX_WINDOW_BYTES, maxReadBufferLength: YAMUX_READ_BUFFER_BYTES })

/** A setting given to createBrowserPeer is not of its kind */
export class BadSettingError extends Error {
  static override name = 'BadSettingError'
  override name = 'BadSettingError'
}

export function resolveSettings (given: Partial<DownloadSettings> = {}): Readonly<DownloadSettings> {
  const settings: DownloadSettings = { ...DEFAULTS, ...given }
  for (const [name, value] of Object.entries(settings)) {
    if (!(name in DEFAULTS)) throw new BadSettingError(`Unknown setting ${name}`)
    const flag = typeof DEFAULTS[name as keyof DownloadSettings] === 'boolean'
    const ok = flag ? typeof value === 'boolean' : Number.isSafeInteger(value) && (value as number) > 0
    if (!ok) throw new BadSettingError(`Setting ${name} must be ${flag ? 'true or false' : 'a positive integer'}: ${String(value)}`)
  }
  return Object.freeze(settings)
}
