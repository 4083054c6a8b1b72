import type { AbortOptions, Logger, Startable } from '@libp2p/interface'
import type { Batch, Datastore, Key, KeyQuery, Pair, Query } from 'interface-datastore'
import { batchEach, deleteEach, putEach } from '../datastore-each.js'

export interface PeerRecordCacheInit {
  /**
   * How often the records written since the last flush go to the datastore, in ms: a
   * crash loses at most this much of what the node learnt about its peers
   * @default 1000
   */
  flushInterval?: number
  /**
   * Most records kept in memory; past it the records flushed longest ago are dropped
   * (they are read from the datastore again when asked for)
   * @default 4096
   */
  maxEntries?: number
}

export const PEER_RECORD_CACHE_DEFAULTS: Readonly<Required<PeerRecordCacheInit>> = Object.freeze({
  flushInterval: 1000,
  maxEntries: 4096
})

/** libp2p's peer store keeps each peer's record here (@libp2p/peer-store NAMESPACE_COMMON) */
const PEERS = '/peers/'

/** A record as written last: its bytes, or undefined once deleted; `dirty` until the datastore has it */
interface Entry { key: Key, value: Uint8Array | undefined, dirty: boolean }

/** What datastores throw for a missing key (interface-store's NotFoundError, matched by name) */
class NotFoundError extends Error {
  static override name = 'NotFoundError'
  override name = NotFoundError.name
}

export class PeerRecordCache implements Datastore {
  private readonly entries = new Map<string, Entry>()
  private readonly init: Required<PeerRecordCacheInit>
  /** set while libp2p runs: writes are kept and flushed on it; otherwise they go straight through */
  private timer: ReturnType<typeof setInterval> | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor (private readonly inner: Datastore, private readonly log: Logger, init: PeerRecordCacheInit = {}) {
    this.init = { ...PEER_RECORD_CACHE_DEFAULTS, ...init }
  }

  /** Keeps writes in memory from now on, flushed every `flushInterval` */
  start (): void {
    if (this.timer != null) return
    // a failed flush is logged and its records kept for the next one
    this.timer = setInterval(() => { this.flush().catch(() => {}) }, this.init.flushInterval)
    this.timer.unref?.()
  }

  /** Writes every record still in memory and goes back to writing through */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }

  /** Records written but not yet in the datastore */
  get pending (): number {
    let n = 0
    for (const entry of this.entries.values()) if (entry.dirty) n++
    return n
  }

  /** Writes the latest value of every record changed since the last flush, in one batch */
  async flush (): Promise<void> {
    const run = this.flushing.then(async () => this.writeDirty())
    this.flushing = run.catch(() => {})
    return run
  }

  async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    if (!isPeerRecord(key)) return this.inner.put(key, value, options)
    if (this.timer == null) {
      await this.inner.put(key, value, options)
      this.remember(key, value, false)
    } else {
      this.remember(key, value, true)
    }
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    const entry = this.entries.get(key.toString())
    if (entry == null) return this.inner.get(key, options)
    if (entry.value == null) throw new NotFoundError(`No peer record ${key.toString()}`)
    return entry.value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    const entry = this.entries.get(key.toString())
    return entry == null ? this.inner.has(key, options) : entry.value != null
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    if (!isPeerRecord(key)) return this.inner.delete(key, options)
    if (this.timer == null) {
      await this.inner.delete(key, options)
      this.entries.delete(key.toString())
    } else {
      this.remember(key, undefined, true)
    }
  }

  async * getMany (keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const key of keys) yield { key, value: await this.get(key, options) }
  }

  putMany (pairs: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    return putEach(this, pairs, options)
  }

  deleteMany (keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
    return deleteEach(this, keys, options)
  }

  /** A listing that may hold peer records sees them all: the datastore gets what is in memory first */
  async * query (query: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    if (mayList(query.prefix)) await this.flush()
    yield * this.inner.query(query, options)
  }

  async * queryKeys (query: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    if (mayList(query.prefix)) await this.flush()
    yield * this.inner.queryKeys(query, options)
  }

  batch (): Batch {
    return batchEach(this)
  }

  /** Sets a record's latest value, newest last in the map so the oldest are dropped first at the cap */
  private remember (key: Key, value: Uint8Array | undefined, dirty: boolean): void {
    const name = key.toString()
    this.entries.delete(name)
    this.entries.set(name, { key, value, dirty })
    if (this.entries.size > this.init.maxEntries) this.dropClean()
  }

  /** Drops the records longest unwritten that the datastore already has; dirty ones stay until flushed */
  private dropClean (): void {
    for (const [name, entry] of this.entries) {
      if (this.entries.size <= this.init.maxEntries) return
      if (!entry.dirty) this.entries.delete(name)
    }
  }

  /** Records stay dirty (kept, never dropped) until the datastore has them: a read meanwhile must not find the old value there */
  private async writeDirty (): Promise<void> {
    const written: Entry[] = []
    const batch = this.inner.batch()
    for (const entry of this.entries.values()) {
      if (!entry.dirty) continue
      if (entry.value == null) batch.delete(entry.key)
      else batch.put(entry.key, entry.value)
      written.push(entry)
    }
    if (written.length === 0) return
    try {
      await batch.commit()
    } catch (err: any) {
      this.log.error('writing %d peer records failed, kept for the next flush - %e', written.length, err)
      throw err
    }
    // an entry written again meanwhile is a new object in the map, still dirty
    for (const entry of written) entry.dirty = false
    if (this.entries.size > this.init.maxEntries) this.dropClean()
  }
}

/**
 * A libp2p service that starts and stops `cache` with libp2p: it keeps writes in
 * memory once libp2p starts, and writes them all after every other part has stopped
 * (connections closing write records too)
 */
export function peerRecordFlush (cache: PeerRecordCache): () => Startable {
  return () => ({
    start: () => { cache.start() },
    stop: () => {},
    afterStop: async () => cache.stop()
  })
}

function isPeerRecord (key: Key): boolean {
  return key.toString().startsWith(PEERS)
}

/** Whether a query with this prefix can list peer records */
function mayList (prefix: string | undefined): boolean {
  return prefix == null || prefix === '' || prefix === '/' || prefix.startsWith(PEERS) || PEERS.startsWith(prefix)
}
