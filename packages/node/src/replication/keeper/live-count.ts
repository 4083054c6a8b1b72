/**
 * Who really holds a file: the providers the DHTs name, each checked by a cheap probe
 * of what it serves. The probe is the exchange's own Want → Offer: the provider
 * answers with the verified manifest and its have-bitfield, and only a full bitfield
 * counts. No chunk moves; the session is closed at once.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { parseFileRef } from '@peershare/protocol'
import { mapLimit } from '../../collection/share-collection.js'
import { FetchSession, type FetchSessionComponents } from '../../exchange/fetch-session.js'
import { withTimeout } from '../../signals.js'

/** Providers looked at per check at most: a file's holders are a handful, a flood is cut off */
export const MAX_PROVIDERS_PROBED = 32
/** Probes run at once per check */
export const PROBE_CONCURRENCY = 8

export interface LiveCountComponents {
  /** the DHT providers of a file (the node's lookup, bounded by its own timeout) */
  findProviders(fileId: string, signal: AbortSignal): AsyncIterable<PeerId>
  /** does `peer` serve every chunk of the file right now */
  probe(peer: PeerId, fileId: string, signal: AbortSignal): Promise<boolean>
  self: string
  /** the provider lookup's time: what it found by then is probed */
  lookupTimeout: number
  probeTimeout: number
  log: Logger
}

/** A count's result: who served the whole file, and who could not be asked in time */
export interface LiveCount {
  live: string[]
  /**
   * peers whose probe ran out of time: no evidence either way (a busy machine, this
   * one or theirs, looks the same as a lost peer for a while); a refused dial or a
   * wrong answer is evidence and does not land here
   */
  unsure: string[]
}

/**
 * The peers (this node excluded) that provide the file and pass the probe; only
 * `signal` (the caller's) aborts the whole count. The holders already `known` are
 * probed whether or not the lookup finds them: a DHT walk on a busy or changing swarm
 * may miss a provider, and a holder missed must not look lost.
 */
export async function liveHolders (components: LiveCountComponents, fileId: string, signal: AbortSignal, known: PeerId[] = []): Promise<LiveCount> {
  const found = new Map<string, PeerId>(known.filter(p => p.toString() !== components.self).map(p => [p.toString(), p]))
  try {
    for await (const peer of components.findProviders(fileId, withTimeout(components.lookupTimeout, signal))) {
      if (peer.toString() !== components.self) found.set(peer.toString(), peer)
      if (found.size >= MAX_PROVIDERS_PROBED + known.length) break
    }
  } catch (err: any) {
    if (signal.aborted) throw err
    components.log('provider lookup for %s ended early: %s', fileId, err.message)
  }
  const outcomes = await mapLimit([...found.values()], PROBE_CONCURRENCY, async (peer): Promise<'serves' | 'not' | 'unsure'> => {
    const probeSignal = withTimeout(components.probeTimeout, signal)
    try {
      return await components.probe(peer, fileId, probeSignal) ? 'serves' : 'not'
    } catch (err: any) {
      if (signal.aborted) throw err
      components.log('probe of %p for %s failed: %s', peer, fileId, err.message)
      return probeSignal.aborted || err.name === 'TimeoutError' ? 'unsure' : 'not'
    }
  })
  const peers = [...found.keys()]
  return { live: peers.filter((_, i) => outcomes[i] === 'serves'), unsure: peers.filter((_, i) => outcomes[i] === 'unsure') }
}

/** The exchange's probe: the peer's Offer for the file carries a complete have-bitfield */
export async function probeServes (exchange: FetchSessionComponents, peer: PeerId, fileId: string, signal: AbortSignal): Promise<boolean> {
  const session = await FetchSession.open(exchange, peer, parseFileRef(fileId), signal)
  await session.complete()
  return session.have.complete
}
