/**
 * The chunks a download asks a source for with its Want (exchange 1.1.0, `Want.first`),
 * so the source's first chunk comes one round trip sooner than when asked for after its
 * Offer. Once the manifest is known they are claimed from the picker as the source's
 * stream opens (it is taken to have every chunk until its Offer says; the worker's
 * `takeFirst` lets go of those it lacks). Before the manifest is known, the first
 * session to get that far asks for chunks 0 to INITIAL_DEPTH - 1 blind (its provider
 * drops those beyond the file), the others for none: they would all bring the same
 * chunks. A session that does not become a worker gives its claims back (`release`).
 */
import { Bitfield } from '@peershare/protocol'
import type { FirstAsk } from '../exchange/fetch-session.js'
import { INITIAL_DEPTH } from './source-pace.js'
import type { WorkerHost } from './source-worker.js'

/** The download as the first asks see it: its picker and manifest only once `ready` */
export type FirstAskHost = Pick<WorkerHost, 'picker' | 'manifest' | 'priority'> & { readonly ready: boolean, readonly running: boolean }

export class FirstAsks {
  /** a session asked for the first chunks before the manifest was known */
  private askedBlind = false

  constructor (private readonly host: FirstAskHost) {}

  /** The chunks to ask `peer` for with its Want, claimed for it; undefined: none */
  claim (peer: string): FirstAsk | undefined {
    const { host } = this
    if (!host.running) return undefined
    if (!host.ready) {
      if (this.askedBlind) return undefined
      this.askedBlind = true
      return { chunks: Array.from({ length: INITIAL_DEPTH }, (_, i) => i), priority: host.priority }
    }
    const { picker, manifest } = host
    picker.addSource(peer, Bitfield.full(manifest.chunkHashes.length))
    const chunks: number[] = []
    while (chunks.length < INITIAL_DEPTH) {
      const index = picker.next(peer)
      if (index === undefined) break
      chunks.push(index)
    }
    return chunks.length === 0 ? undefined : { chunks, priority: host.priority }
  }

  /** Lets go of what was claimed for `peer` (its session did not become a worker; none runs for it) */
  release (peer: string): void {
    if (this.host.ready) this.host.picker.removeSource(peer)
  }
}
