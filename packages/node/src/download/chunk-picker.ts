/**
 * Which chunk to ask which source for next: the scheduling policy of a multi-source
 * download, kept free of I/O so it can be tested on its own.
 *
 * - Rarest first: among chunks nobody is fetching, prefer those the fewest sources
 *   have (so rare chunks spread before their holders leave); ties go to the lowest
 *   index, which keeps the whole-file hash streaming in order.
 * - Pull, not push: a source asks for work whenever its pipeline has room, so fast
 *   sources take more chunks as they prove themselves (work stealing).
 * - End game: once every missing chunk is in flight, an idle source may fetch a
 *   chunk another source is already fetching; the first copy wins and the caller
 *   cancels the others. It takes the chunk expected last (deepest in the queue of the
 *   slowest source, by the rates sources report), and only one it could bring sooner:
 *   the chunk about to arrive anyway is no help, and a duplicate slot is not spent on it.
 * - In order (`inOrder`, a download read as it arrives, `get -o -`): the lowest
 *   missing chunk a source has comes first, so the verified prefix grows steadily.
 */
import type { Bitfield } from '@peershare/protocol'

/** How far a pick scans for a rarer chunk before settling (bounds the cost on huge files) */
const SCAN_LIMIT = 4096
/** Most sources fetching the same chunk in the end game */
const MAX_DUPLICATES = 2

export class ChunkPicker {
  readonly count: number
  private readonly done: Bitfield
  private readonly availability: Uint16Array
  private readonly sources = new Map<string, PickerSource>()
  /** chunk -> sources fetching it */
  private readonly fetching = new Map<number, Set<string>>()

  private readonly inOrder: boolean

  constructor (count: number, done: Bitfield, options: { inOrder?: boolean } = {}) {
    this.count = count
    this.done = done
    this.availability = new Uint16Array(count)
    this.inOrder = options.inOrder === true
  }

  /**
   * Adds a source (again: its earlier entry is removed first). `inFlight`: chunks it was
   * asked for before it said what it has (with the Want): those it has, and nobody
   * delivered meanwhile, stay claimed by it. Returns them.
   */
  addSource (id: string, have: Bitfield, inFlight: number[] = []): number[] {
    this.removeSource(id)
    const source = { have, inFlight: new Set<number>(), rate: 0 }
    this.sources.set(id, source)
    for (let i = 0; i < this.count; i++) if (have.has(i)) this.availability[i]++
    const kept = inFlight.filter(index => index < this.count && have.has(index) && !this.done.has(index))
    for (const index of kept) this.claim(id, source, index)
    return kept
  }

  /** A source announced a chunk it now has */
  sourceHas (id: string, index: number): void {
    const source = this.sources.get(id)
    if (source == null || source.have.has(index)) return
    source.have.set(index)
    this.availability[index]++
  }

  /** Forgets a source; its chunks in flight become available to others. Returns them. */
  removeSource (id: string): number[] {
    const source = this.sources.get(id)
    if (source == null) return []
    for (let i = 0; i < this.count; i++) if (source.have.has(i)) this.availability[i]--
    const released = [...source.inFlight]
    for (const index of released) this.release(id, index)
    this.sources.delete(id)
    return released
  }

  /**
   * The next chunk for `id` to fetch, marked in flight; undefined when it has nothing
   * useful. `rate`: the source's measured bytes per second (0 while unknown), for the end game
   */
  next (id: string, rate = 0): number | undefined {
    const source = this.sources.get(id)
    if (source == null) return undefined
    source.rate = rate
    const index = this.rarestUnclaimed(source.have) ?? this.endGamePick(id, source)
    if (index !== undefined) this.claim(id, source, index)
    return index
  }

  /** The chunk arrived verified: returns the other sources that were also fetching it */
  completed (id: string, index: number): string[] {
    this.done.set(index)
    const others = [...(this.fetching.get(index) ?? [])].filter(s => s !== id)
    for (const s of [id, ...others]) this.release(s, index)
    return others
  }

  /** A chunk counted as done is wanted again: it turned out damaged on our disk, or its write failed */
  forget (index: number): void {
    this.done.clear(index)
  }

  /** `id` gave up on a chunk (bad data, cancelled): it becomes available again */
  release (id: string, index: number): void {
    this.sources.get(id)?.inFlight.delete(index)
    const set = this.fetching.get(index)
    set?.delete(id)
    if (set?.size === 0) this.fetching.delete(index)
  }

  inFlight (id: string): number {
    return this.sources.get(id)?.inFlight.size ?? 0
  }

  /** True when some source has a chunk we still miss (so waiting for work makes sense) */
  useful (id: string): boolean {
    const source = this.sources.get(id)
    if (source == null) return false
    for (let i = 0; i < this.count; i++) if (!this.done.has(i) && source.have.has(i)) return true
    return false
  }

  private rarestUnclaimed (have: Bitfield): number | undefined {
    let best: number | undefined
    let scanned = 0
    for (let i = 0; i < this.count && scanned < SCAN_LIMIT; i++) {
      if (this.done.has(i) || this.fetching.has(i) || !have.has(i)) continue
      if (this.inOrder) return i
      scanned++
      if (best === undefined || this.availability[i] < this.availability[best]) best = i
      if (this.availability[best] <= 1) break
    }
    return best
  }

  private endGamePick (id: string, source: PickerSource): number | undefined {
    const mine = source.rate > 0 ? (source.inFlight.size + 1) / source.rate : 0
    let best: number | undefined
    let latest = -1
    let fewest = MAX_DUPLICATES
    for (const [index, holders] of this.fetching) {
      if (holders.size >= MAX_DUPLICATES || holders.has(id) || !source.have.has(index) || this.done.has(index)) continue
      const arrival = this.expectedArrival(index, holders)
      if (arrival <= mine) continue
      if (arrival > latest || (arrival === latest && holders.size < fewest)) {
        best = index
        latest = arrival
        fewest = holders.size
      }
    }
    return best
  }

  /**
   * When `index` should arrive, in chunk-times per byte/s (chunk sizes are equal, so
   * only the order matters): its place in the queue of the holder that brings it first
   * over that holder's rate; Infinity from a source with no rate yet (new, or stalled)
   */
  private expectedArrival (index: number, holders: Set<string>): number {
    let soonest = Number.POSITIVE_INFINITY
    for (const holder of holders) {
      const source = this.sources.get(holder)
      if (source == null || source.rate <= 0) continue
      let place = 1
      for (const queued of source.inFlight) {
        if (queued === index) break
        place++
      }
      soonest = Math.min(soonest, place / source.rate)
    }
    return soonest
  }

  private claim (id: string, source: PickerSource, index: number): void {
    source.inFlight.add(index)
    let set = this.fetching.get(index)
    if (set == null) {
      set = new Set()
      this.fetching.set(index, set)
    }
    set.add(id)
  }
}

interface PickerSource {
  have: Bitfield
  /** chunks this source is fetching, in the order it was asked for them */
  inFlight: Set<number>
  /** bytes per second it delivers, as its worker last reported; 0 while unknown */
  rate: number
}
