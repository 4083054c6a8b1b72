/**
 * Finding a source for a download: a given peer, or else the providers the DHT
 * names, tried in the order they are found until one serves a manifest that verifies.
 * Provider records are unchecked hints, so a provider that does not have the file,
 * lies, or cannot be reached is skipped; if none works the error says so.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type FileRef, bytesToHex, formatFileId } from '@peershare/protocol'
import { AbortedError, FileNotFoundError } from '../errors.js'
import { FetchSession, type FetchSessionComponents } from '../exchange/fetch-session.js'
import type { FileIndex } from '../dht/index.js'
import { withTimeout } from '../signals.js'

export interface OpenSourceComponents {
  exchange: FetchSessionComponents
  index: Pick<FileIndex, 'findProviders'>
}

export interface OpenSourceOptions {
  /** a peer known to have the file; skips the DHT */
  from?: PeerId | Multiaddr
  /** how long to look for providers (ms) */
  lookupTimeout: number
  signal?: AbortSignal
}

export async function openSource (components: OpenSourceComponents, ref: FileRef, options: OpenSourceOptions): Promise<FetchSession> {
  if (options.from != null) return FetchSession.open(components.exchange, options.from, ref, options.signal)
  const signal = withTimeout(options.lookupTimeout, options.signal)
  const began = Date.now()
  const failures: string[] = []
  try {
    for await (const { id: provider } of components.index.findProviders(ref, signal)) {
      try {
        return await FetchSession.open(components.exchange, provider, ref, options.signal)
      } catch (err: any) {
        if (options.signal?.aborted === true) throw err
        failures.push(`${provider}: ${err.message}`)
      }
    }
  } catch (err: any) {
    if (options.signal?.aborted === true) throw new AbortedError('Download cancelled')
    // the lookup timing out or failing (no DHT peers yet) both mean: nobody found
    if (!signal.aborted) failures.push(`lookup: ${err.message}`)
  }
  const name = ref.kind === 'file-id' ? formatFileId(ref.fileId) : `sha256 ${bytesToHex(ref.sha256)}`
  const tried = failures.length === 0 ? 'no provider found' : `${failures.length} provider(s) failed (${failures[0]})`
  throw new FileNotFoundError(`Nobody has ${name}: ${tried} ${lookupSpan(signal.aborted, options.lookupTimeout, Date.now() - began)}`)
}

/**
 * How long a lookup that found nobody ran: to its time limit, or less when it asked
 * every peer it could reach (a small swarm answers in a fraction of a second)
 */
export function lookupSpan (timedOut: boolean, timeoutMs: number, tookMs: number): string {
  return timedOut ? `within ${duration(timeoutMs)}` : `(the lookup asked every peer it reached, in ${duration(tookMs)})`
}

function duration (ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`
}
