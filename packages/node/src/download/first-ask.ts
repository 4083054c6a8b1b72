/**
 * The chunks a download asks a source for with its Want (exchange 1.1.0, `Want.first`),
 * so the source's first chunk comes one round trip sooner than when asked for after its
 * Offer. Once the manifest is known they are claimed from the picker as the source's
 * stream opens (it is taken to have every chunk until its Offer says; the worker's
 * `takeFirst` lets go of those it lacks). Before the manifest is known, each session
 * asks blind for a run of INITIAL_DEPTH chunks of its own: the first for chunks 0 to
 * INITIAL_DEPTH - 1, the next for the run after, and so on (a provider drops those
 * beyond the file or that it lacks). So every source of a download that starts with
 * several sends from its Want on, not one round trip after the manifest is adopted
 * (in the bench's 4-source start, 0.2 to 0.3 s of each source's time). The worker
 * takes its run over once the manifest is in. A session that does not become a worker
 * gives its claims back (`release`).
 */
import { Bitfield } from '@peershare/protocol'
import type { FirstAsk } from '../exchange/fetch-session.js'
import { INITIAL_DEPTH } from './source-pace.js'
import type { WorkerHost } from './source-worker.js'

/** The download as the first asks see it: its picker and manifest only once `ready` */
export type FirstAskHost = Pick<WorkerHost, 'picker' | 'manifest' | 'priority'> & { readonly ready: boolean, readonly running: boolean }

export class FirstAsks {
  /** before the manifest is known: the run each peer's session asked for (run k is chunks k * INITIAL_DEPTH onwards) */
  private readonly blindRuns = new Map<string, number>()

  constructor (private readonly host: FirstAskHost) {}

  /** The chunks to ask `peer` for with its Want, claimed for it; undefined: none */
  claim (peer: string): FirstAsk | undefined {
    const { host } = this
    if (!host.running) return undefined
    if (!host.ready) {
      return { chunks: runChunks(this.freeRun(peer)), priority: host.priority }
    }
    this.claimBlindRuns()
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

  /**
   * The manifest is in: the runs asked for blind are claimed in the picker for their
   * peers (taken to have every chunk until their Offers say; a worker's `takeFirst`
   * replaces that with what its Offer said), so no source is given a chunk another
   * provider has queued already. Called before the picker is first used once the
   * manifest is known (a claim here, a worker starting); a no-op after the first call,
   * as nothing is asked blind once the manifest is known.
   */
  claimBlindRuns (): void {
    if (this.blindRuns.size === 0) return
    const { picker, manifest } = this.host
    const count = manifest.chunkHashes.length
    for (const [peer, run] of this.blindRuns) {
      picker.addSource(peer, Bitfield.full(count), runChunks(run))
    }
    this.blindRuns.clear()
  }

  /** Lets go of what was claimed for `peer` (its session did not become a worker; none runs for it) */
  release (peer: string): void {
    this.blindRuns.delete(peer)
    if (this.host.ready) this.host.picker.removeSource(peer)
  }

  /** The lowest run no other session is asking for, taken for `peer`: a source that failed leaves its run to the next */
  private freeRun (peer: string): number {
    this.blindRuns.delete(peer)
    const taken = new Set(this.blindRuns.values())
    let run = 0
    while (taken.has(run)) run++
    this.blindRuns.set(peer, run)
    return run
  }
}

/** The chunks of blind run `run`: INITIAL_DEPTH of them from run * INITIAL_DEPTH */
function runChunks (run: number): number[] {
  return Array.from({ length: INITIAL_DEPTH }, (_, i) => run * INITIAL_DEPTH + i)
}
