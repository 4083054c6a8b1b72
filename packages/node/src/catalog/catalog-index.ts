/**
 * The catalog's in-memory index: for every stored version (live offer or tombstone)
 * a small slot with what staleness checks, caps, eviction and the log need; the
 * envelopes themselves stay on disk. It decides, the store persists: `plan` says
 * which slots a new one evicts, `apply` changes the index after the disk write.
 */

/** What the node keeps in memory per stored version */
export interface Slot {
  author: string
  contentId: string
  seq: bigint
  /** position in the store's log (monotonic over the store's life) */
  pos: bigint
  receivedAt: number
  /** envelope bytes */
  bytes: number
  own: boolean
  removed: boolean
  /** superseded or evicted: the log skips it */
  dead: boolean
}

export interface CatalogLimits {
  /** versions held of one author (live offers and tombstones); own offers are never capped */
  maxEntriesPerAuthor: number
  /** envelope bytes held of one author */
  maxBytesPerAuthor: number
  /** versions held in all */
  maxEntries: number
  /** tombstones held in all (the oldest go first) */
  maxTombstones: number
  /** a tombstone older than this is dropped (ms) */
  tombstoneTtl: number
  /** authors remembered with nothing held (only the floor that keeps their removals removed) */
  maxIdleAuthors: number
}

interface AuthorState {
  author: string
  /** held versions, oldest received first (Map keeps insertion order; a replacement is re-inserted) */
  slots: Map<string, Slot>
  bytes: number
  /**
   * every seq at or below this is stale for any content id of the author: raised when
   * a tombstone is dropped, so what it removed stays removed
   */
  floor: bigint
  /** unix ms of the last change (idle authors are forgotten oldest first) */
  lastSeen: number
}

/** What storing one new version does to the index */
export interface Plan {
  slot: Slot
  /** the version it replaces, if any */
  replaced?: Slot
  /** versions evicted at caps, to delete */
  evicted: Slot[]
  /** authors whose floor changes (a dropped tombstone), to persist */
  floors: Map<string, bigint>
}

export class CatalogIndex {
  private readonly authors = new Map<string, AuthorState>()
  /** one slot (nearly always) or several, by content id */
  private readonly byContent = new Map<string, Slot | Slot[]>()
  /** every slot by position; dead ones are compacted away now and then */
  private log: Slot[] = []
  private deadInLog = 0
  /** tombstones, oldest received first */
  private readonly tombstones = new Set<Slot>()
  /** non-own authors by number of held versions: who holds most is found in O(1) */
  private readonly buckets = new Map<number, Set<string>>()
  private maxBucket = 0
  private total = 0
  private idle = 0

  constructor (private readonly limits: CatalogLimits, private readonly self: string) {}

  get size (): { entries: number, tombstones: number, authors: number } {
    return { entries: this.total - this.tombstones.size, tombstones: this.tombstones.size, authors: this.authors.size }
  }

  get (author: string, contentId: string): Slot | undefined {
    return this.authors.get(author)?.slots.get(contentId)
  }

  /** Held versions of one content id, one per author */
  ofContent (contentId: string): Slot[] {
    const held = this.byContent.get(contentId)
    return held == null ? [] : Array.isArray(held) ? [...held] : [held]
  }

  /** A version at or below what is held for its author and content id (or below the author's floor) is stale */
  isStale (author: string, contentId: string, seq: bigint): boolean {
    const state = this.authors.get(author)
    if (state == null) return false
    if (seq <= state.floor) return true
    const held = state.slots.get(contentId)
    return held != null && seq <= held.seq
  }

  /** Live offers held of one author */
  heldBy (author: string): number {
    let n = 0
    for (const slot of this.authors.get(author)?.slots.values() ?? []) if (!slot.removed) n++
    return n
  }

  /** Highest seq known of an author: what it holds, or the floor */
  highWater (author: string): bigint {
    const state = this.authors.get(author)
    if (state == null) return 0n
    let high = state.floor
    for (const slot of state.slots.values()) if (slot.seq > high) high = slot.seq
    return high
  }

  /** Live slots of the log after `since`, oldest first, at most `limit`; and whether more follow */
  after (since: bigint, limit: number): { slots: Slot[], last: bigint, more: boolean } {
    let lo = 0
    let hi = this.log.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.log[mid].pos <= since) lo = mid + 1
      else hi = mid
    }
    const slots: Slot[] = []
    let last = since
    for (let i = lo; i < this.log.length; i++) {
      const slot = this.log[i]
      if (slot.dead) continue
      if (slots.length === limit) return { slots, last, more: true }
      slots.push(slot)
      last = slot.pos
    }
    return { slots, last, more: false }
  }

  /** Live (not removed) slots, any order */
  * live (): Generator<Slot> {
    for (const state of this.authors.values()) {
      for (const slot of state.slots.values()) if (!slot.removed) yield slot
    }
  }

  /** Floors of authors that hold nothing (what the store persists for them) */
  floorOf (author: string): bigint {
    return this.authors.get(author)?.floor ?? 0n
  }

  /**
   * What storing `slot` (not stale) does: the version it replaces, and what the caps
   * evict, least valuable first: never own offers; tombstones past their age or
   * count; then from the author over its own caps, then from the author holding most
   * (so one flooding author or many sybils only push out each other), oldest
   * received first.
   */
  plan (slot: Slot, now: number): Plan {
    const replaced = this.get(slot.author, slot.contentId)
    const evicted = new Set<Slot>()
    const floors = new Map<string, bigint>()
    const drop = (victim: Slot): void => {
      evicted.add(victim)
      if (victim.removed && victim.seq > (floors.get(victim.author) ?? this.floorOf(victim.author))) floors.set(victim.author, victim.seq)
    }
    // tombstones: by age, then by number (the new one counts)
    let tombs = this.tombstones.size - (replaced?.removed === true ? 1 : 0) + (slot.removed ? 1 : 0)
    for (const tomb of this.tombstones) {
      if (tomb === replaced) continue
      if (tombs <= this.limits.maxTombstones && now - tomb.receivedAt <= this.limits.tombstoneTtl) break
      drop(tomb)
      tombs--
    }
    if (!slot.own) this.planAuthorCaps(slot, replaced, evicted, drop)
    let total = this.total + 1 - (replaced == null ? 0 : 1) - evicted.size
    if (total > this.limits.maxEntries) {
      const taken = new Map<string, number>()
      for (const victim of evicted) taken.set(victim.author, (taken.get(victim.author) ?? 0) + 1)
      while (total > this.limits.maxEntries) {
        const victim = this.oldestOfFattest(taken, evicted, replaced)
        if (victim == null) break
        drop(victim)
        taken.set(victim.author, (taken.get(victim.author) ?? 0) + 1)
        total--
      }
    }
    return { slot, replaced, evicted: [...evicted], floors }
  }

  /** Stores a planned version in memory (after the store wrote it) */
  apply ({ slot, replaced, evicted, floors }: Plan): void {
    if (replaced != null) this.remove(replaced)
    for (const victim of evicted) this.remove(victim)
    for (const [author, floor] of floors) this.state(author, slot.receivedAt).floor = floor
    this.add(slot)
    this.forgetIdle()
  }

  /** Loads a version read back from disk (any order; `loaded()` sorts the log) */
  restore (slot: Slot): void {
    const held = this.get(slot.author, slot.contentId)
    if (held != null) this.remove(held)
    this.add(slot)
  }

  /** Sets an author's floor read back from disk */
  restoreFloor (author: string, floor: bigint, at: number): void {
    const state = this.state(author, at)
    if (floor > state.floor) state.floor = floor
  }

  /** After restoring: the log in position order, the idle authors within their cap */
  loaded (): void {
    this.log.sort((a, b) => a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0)
    const byAge = [...this.tombstones].sort((a, b) => a.receivedAt - b.receivedAt)
    this.tombstones.clear()
    for (const tomb of byAge) this.tombstones.add(tomb)
    this.forgetIdle()
  }

  /** Removes a version (a corrupt record found on read); returns whether it was held */
  drop (slot: Slot): boolean {
    if (this.get(slot.author, slot.contentId) !== slot) return false
    this.remove(slot)
    return true
  }

  private planAuthorCaps (slot: Slot, replaced: Slot | undefined, evicted: Set<Slot>, drop: (victim: Slot) => void): void {
    const state = this.authors.get(slot.author)
    if (state == null) return
    let count = state.slots.size + 1 - (replaced == null ? 0 : 1)
    let bytes = state.bytes + slot.bytes - (replaced?.bytes ?? 0)
    for (const victim of evicted) {
      if (victim.author !== slot.author) continue
      count--
      bytes -= victim.bytes
    }
    for (const victim of state.slots.values()) {
      if (count <= this.limits.maxEntriesPerAuthor && bytes <= this.limits.maxBytesPerAuthor) break
      if (victim === replaced || evicted.has(victim)) continue
      drop(victim)
      count--
      bytes -= victim.bytes
    }
  }

  /** The oldest version of the non-own author holding most after `taken` are gone */
  private oldestOfFattest (taken: Map<string, number>, evicted: Set<Slot>, replaced: Slot | undefined): Slot | undefined {
    // `taken` is small (a few per plan): look down the buckets until an author still holds most
    let best: string | undefined
    let bestCount = 0
    for (let count = this.maxBucket; count > 0 && count > bestCount; count--) {
      for (const author of this.buckets.get(count) ?? []) {
        const left = count - (taken.get(author) ?? 0)
        if (left > bestCount) {
          best = author
          bestCount = left
        }
        if (taken.size === 0) break
      }
    }
    if (best == null) return undefined
    for (const victim of this.authors.get(best)?.slots.values() ?? []) {
      if (victim !== replaced && !evicted.has(victim)) return victim
    }
    return undefined
  }

  private state (author: string, at: number): AuthorState {
    let state = this.authors.get(author)
    if (state == null) {
      state = { author, slots: new Map(), bytes: 0, floor: 0n, lastSeen: at }
      this.authors.set(author, state)
      this.idle++
    }
    return state
  }

  private add (slot: Slot): void {
    const state = this.state(slot.author, slot.receivedAt)
    // one string per author, not one per slot
    slot.author = state.author
    if (state.slots.size === 0) this.idle--
    this.moveBucket(slot.author, state.slots.size, state.slots.size + 1)
    state.slots.set(slot.contentId, slot)
    state.bytes += slot.bytes
    if (slot.receivedAt > state.lastSeen) state.lastSeen = slot.receivedAt
    const others = this.byContent.get(slot.contentId)
    if (others == null) this.byContent.set(slot.contentId, slot)
    else if (Array.isArray(others)) others.push(slot)
    else this.byContent.set(slot.contentId, [others, slot])
    if (slot.removed) this.tombstones.add(slot)
    this.log.push(slot)
    this.total++
  }

  private remove (slot: Slot): void {
    const state = this.authors.get(slot.author)
    if (state?.slots.get(slot.contentId) !== slot) return
    this.moveBucket(slot.author, state.slots.size, state.slots.size - 1)
    state.slots.delete(slot.contentId)
    state.bytes -= slot.bytes
    if (state.slots.size === 0) this.idle++
    const rest = this.ofContent(slot.contentId).filter(s => s !== slot)
    if (rest.length === 0) this.byContent.delete(slot.contentId)
    else this.byContent.set(slot.contentId, rest.length === 1 ? rest[0] : rest)
    this.tombstones.delete(slot)
    slot.dead = true
    this.total--
    if (++this.deadInLog > 1024 && this.deadInLog * 2 > this.log.length) {
      this.log = this.log.filter(s => !s.dead)
      this.deadInLog = 0
    }
  }

  private moveBucket (author: string, from: number, to: number): void {
    if (author === this.self) return
    if (from > 0) {
      const bucket = this.buckets.get(from)
      bucket?.delete(author)
      if (bucket?.size === 0) this.buckets.delete(from)
    }
    if (to > 0) {
      const bucket = this.buckets.get(to)
      if (bucket == null) this.buckets.set(to, new Set([author]))
      else bucket.add(author)
    }
    if (to > this.maxBucket) this.maxBucket = to
    while (this.maxBucket > 0 && !this.buckets.has(this.maxBucket)) this.maxBucket--
  }

  /** Authors that hold nothing are remembered for their floor, the longest idle forgotten past the cap */
  private forgetIdle (): void {
    if (this.idle <= this.limits.maxIdleAuthors) return
    // down to 90% of the cap, so the sort runs once per many new authors, not for each
    const excess = this.idle - Math.floor(this.limits.maxIdleAuthors * 0.9)
    const idle = [...this.authors].filter(([, s]) => s.slots.size === 0).sort((a, b) => a[1].lastSeen - b[1].lastSeen)
    for (const [author] of idle.slice(0, excess)) {
      this.authors.delete(author)
      this.idle--
      this.forgotten.push(author)
    }
  }

  /** authors forgotten since the store last asked (their floor records are deleted) */
  forgotten: string[] = []
}
