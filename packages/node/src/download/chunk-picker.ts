/**
 * Which chunk to ask which source for next: the scheduling policy of a multi-source
 * download, kept free of I/O so it can be tested on its own.
 *
 * - Rarest first: among chunks nobody is fetching, prefer those the fewest sources
 *   have (so rare chunks spread before their holders leave); ties go to the lowest
 *   index, which keeps the whole-file hash streaming in order.
 * - Pull, not push: a source asks for work whenever its pipeline has room, so fast
 *   sources take more chunks as they prove themselves (work stealing).
 * - End game (end-game.ts): once every missing chunk is in flight, an idle source may
 *   fetch one another source is fetching, if it could bring it sooner; the first copy
 *   wins and the caller cancels the others.
 * - Parts in the tail: once few chunks are left unclaimed (TAIL_CHUNKS_PER_SOURCE per
 *   source that answers parts, and at least two such sources), each is split into PARTS_PER_CHUNK parts that sources
 *   claim one by one, so every source's last piece of work is a quarter chunk and the
 *   sources finish together rather than one chunk-time apart. A split chunk is verified
 *   when its parts are joined (part-assembly.ts); one that fails is fetched whole after.
 *   Sources that do not answer parts take whole chunks, a split chunk too once nobody
 *   fetches its parts (its part sources left), so no chunk waits on a source that is gone.
 * - In order (`inOrder`, a download read as it arrives, `get -o -`): the lowest
 *   missing chunk a source has comes first, so the verified prefix grows steadily.
 *
 * Work is keyed by number, chunks and parts alike (work-keys.ts).
 */
import { type Bitfield, PARTS_PER_CHUNK } from '@peershare/protocol'
import { EndGame, type EndGamePick } from './end-game.js'
import { type PickerSource, type Work, WorkKeys } from './work-keys.js'

export type { Work } from './work-keys.js'

/** How far a pick scans for a rarer chunk before settling (bounds the cost on huge files) */
const SCAN_LIMIT = 4096
/**
 * Chunks per source that answers parts, left unclaimed, below which chunks are split: a
 * source's last whole chunk then comes before its parts, and its last unit is a part
 */
const TAIL_CHUNKS_PER_SOURCE = 2

export interface PickerOptions {
  /** lowest missing chunk first (a download read as it arrives) */
  inOrder?: boolean
  /** chunks that may be split into parts (long enough); without it none is */
  partable?: (index: number) => boolean
}

export class ChunkPicker {
  readonly count: number
  private readonly done: Bitfield
  private readonly availability: Uint16Array
  private readonly sources = new Map<string, PickerSource>()
  /** work key (a chunk, or a part of one) -> sources fetching it */
  private readonly fetching = new Map<number, Set<string>>()
  /** chunks split into parts -> which parts arrived (1) */
  private readonly split = new Map<number, Uint8Array>()
  /** chunks whose joined parts failed their hash: fetched whole from now on */
  private readonly wholeOnly = new Set<number>()
  /** chunks claimed whole by some source (keys below count in `fetching`) */
  private wholeClaims = 0
  /** sources that answer parts */
  private partSources = 0

  private readonly inOrder: boolean
  private readonly partable: ((index: number) => boolean) | undefined
  private readonly keys: WorkKeys
  private readonly endGame: EndGame

  constructor (count: number, done: Bitfield, options: PickerOptions = {}) {
    this.count = count
    this.done = done
    this.availability = new Uint16Array(count)
    this.inOrder = options.inOrder === true
    this.partable = options.partable
    this.keys = new WorkKeys(count)
    this.endGame = new EndGame({
      keys: this.keys,
      sources: this.sources,
      fetching: this.fetching,
      isDone: index => this.done.has(index),
      partWanted: (index, part) => this.partWanted(index, part)
    })
  }

  /**
   * Adds a source (again: its earlier entry is removed first). `inFlight`: chunks it was
   * asked for before it said what it has (with the Want): those it has, and nobody
   * delivered meanwhile, stay claimed by it. Returns them. `parts`: it answers
   * Requests for parts (its Offer said so).
   */
  addSource (id: string, have: Bitfield, inFlight: number[] = [], parts = false): number[] {
    this.removeSource(id)
    const source = { have, inFlight: new Set<number>(), rate: 0, parts }
    this.sources.set(id, source)
    if (parts) this.partSources++
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
    for (const key of released) this.releaseKey(id, key)
    this.sources.delete(id)
    if (source.parts) this.partSources--
    return released.filter(key => this.keys.isWhole(key))
  }

  /**
   * The next chunk for `id` to fetch, marked in flight; undefined when it has nothing
   * useful. `rate`: the source's measured bytes per second (0 while unknown), for the end game
   */
  next (id: string, rate = 0): number | undefined {
    const source = this.sources.get(id)
    if (source == null) return undefined
    return this.nextWhole(id, source, rate)?.index
  }

  /**
   * The next work for `id`, marked in flight: a chunk, or in the tail of the download a
   * part of one when the source answers parts; undefined when it has nothing useful
   */
  nextWork (id: string, rate = 0): Work | undefined {
    const source = this.sources.get(id)
    if (source == null) return undefined
    if (!source.parts || this.partable == null) return this.nextWhole(id, source, rate)
    source.rate = rate
    return this.take(id, source, this.openPart(source) ?? this.fresh(source) ?? this.endGame.pick(id, source))
  }

  private nextWhole (id: string, source: PickerSource, rate: number): Work | undefined {
    source.rate = rate
    return this.take(id, source, this.rarestUnclaimed(source.have, true) ?? this.endGame.pick(id, source))
  }

  /** Claims a pick for `id` (a key, or an end-game pick that may take another source's place) */
  private take (id: string, source: PickerSource, pick: number | EndGamePick | undefined): Work | undefined {
    if (pick === undefined) return undefined
    const { key, evict } = typeof pick === 'number' ? { key: pick, evict: undefined } : pick
    // the evicted source stops this piece; for a whole chunk, its parts of it too (one Cancel drops both)
    if (evict !== undefined) for (const k of this.keys.isWhole(key) ? this.keys.keysOf(key) : [key]) this.releaseKey(evict, k)
    this.claim(id, source, key)
    return { ...this.keys.workOf(key), ...(evict === undefined ? {} : { evicted: evict }) }
  }

  /** The chunk arrived verified (whole, or its parts joined): returns the other sources that were also fetching it or parts of it */
  completed (id: string, index: number): string[] {
    this.done.set(index)
    const others = new Set<string>()
    for (const key of this.keys.keysOf(index)) {
      for (const s of this.fetching.get(key) ?? []) if (s !== id) others.add(s)
      this.releaseAll(key)
    }
    this.split.delete(index)
    return [...others]
  }

  /**
   * Part `part` of chunk `index` arrived (unverified: it is checked with its chunk):
   * returns the other sources fetching the same part, now free of it; none when the
   * chunk is no longer split (done, or to be fetched whole)
   */
  partReceived (id: string, index: number, part: number): string[] {
    const got = this.split.get(index)
    const key = this.keys.partKey(index, part)
    const others = [...(this.fetching.get(key) ?? [])].filter(s => s !== id)
    this.releaseAll(key)
    if (got == null) return []
    got[part] = 1
    return others
  }

  /** True once chunk `index` arrived verified (or was there from the start) */
  isDone (index: number): boolean {
    return this.done.has(index)
  }

  /** True while chunk `index` is split and its part `part` has not arrived */
  partWanted (index: number, part: number): boolean {
    return this.split.get(index)?.[part] === 0
  }

  /**
   * The joined parts of chunk `index` failed their hash: it is fetched whole from now on.
   * Returns the sources still fetching a part of it (duplicates in the end game).
   */
  splitFailed (index: number): Array<{ peer: string, part: number }> {
    this.split.delete(index)
    this.wholeOnly.add(index)
    const holders: Array<{ peer: string, part: number }> = []
    for (let part = 0; part < PARTS_PER_CHUNK; part++) {
      const key = this.keys.partKey(index, part)
      for (const peer of this.fetching.get(key) ?? []) holders.push({ peer, part })
      this.releaseAll(key)
    }
    return holders
  }

  /** A chunk counted as done is wanted again: it turned out damaged on our disk, or its write failed */
  forget (index: number): void {
    this.done.clear(index)
  }

  /** `id` gave up on a chunk (bad data, cancelled): it becomes available again */
  release (id: string, index: number): void {
    // an index past the file (a peer's bad message) would name a part's key
    if (index >= 0 && index < this.count) this.releaseKey(id, index)
  }

  /** `id` gave up on part `part` of chunk `index` */
  releasePart (id: string, index: number, part: number): void {
    this.releaseKey(id, this.keys.partKey(index, part))
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

  /**
   * The rarest chunk nobody fetches; `whole`: for a whole chunk, where a split chunk whose
   * parts nobody fetches counts as unclaimed (its part sources are gone)
   */
  private rarestUnclaimed (have: Bitfield, whole: boolean): number | undefined {
    let best: number | undefined
    let scanned = 0
    for (let i = 0; i < this.count && scanned < SCAN_LIMIT; i++) {
      if (this.done.has(i) || this.fetching.has(i) || !have.has(i)) continue
      if (this.split.has(i) && !(whole && this.partsIdle(i))) continue
      if (this.inOrder) return i
      scanned++
      if (best === undefined || this.availability[i] < this.availability[best]) best = i
      if (this.availability[best] <= 1) break
    }
    return best
  }

  /** A part of a split chunk that nobody fetches and that has not arrived, first chunk first */
  private openPart (source: PickerSource): number | undefined {
    for (const [index, got] of this.split) {
      if (!source.have.has(index)) continue
      for (let part = 0; part < PARTS_PER_CHUNK; part++) {
        if (got[part] === 0 && !this.fetching.has(this.keys.partKey(index, part))) return this.keys.partKey(index, part)
      }
    }
    return undefined
  }

  /** An unclaimed chunk for a source that answers parts: whole, or split when the download is in its tail */
  private fresh (source: PickerSource): number | undefined {
    const index = this.rarestUnclaimed(source.have, false)
    if (index === undefined || this.wholeOnly.has(index) || this.partable?.(index) !== true || !this.inTail()) return index
    this.split.set(index, new Uint8Array(PARTS_PER_CHUNK))
    return this.keys.partKey(index, 0)
  }

  /**
   * Few enough chunks are left unclaimed that the last should be cut into parts, and
   * there are sources to share them (one alone would fetch the parts one after another)
   */
  private inTail (): boolean {
    const unclaimed = this.count - this.done.count - this.wholeClaims - this.split.size
    return this.partSources >= 2 && unclaimed <= TAIL_CHUNKS_PER_SOURCE * this.partSources
  }

  private claim (id: string, source: PickerSource, key: number): void {
    source.inFlight.add(key)
    let set = this.fetching.get(key)
    if (set == null) {
      set = new Set()
      this.fetching.set(key, set)
      if (this.keys.isWhole(key)) this.wholeClaims++
    }
    set.add(id)
  }

  private releaseKey (id: string, key: number): void {
    this.sources.get(id)?.inFlight.delete(key)
    const set = this.fetching.get(key)
    if (set == null) return
    set.delete(id)
    if (set.size > 0) return
    this.fetching.delete(key)
    if (this.keys.isWhole(key)) this.wholeClaims--
  }

  private releaseAll (key: number): void {
    for (const s of [...(this.fetching.get(key) ?? [])]) this.releaseKey(s, key)
  }

  /** No source fetches a part of split chunk `index`, and its parts are not all in (being joined) */
  private partsIdle (index: number): boolean {
    if (this.split.get(index)?.every(got => got === 1) === true) return false
    for (let part = 0; part < PARTS_PER_CHUNK; part++) if (this.fetching.has(this.keys.partKey(index, part))) return false
    return true
  }
}
