/**
 * Caps the provider records a DHT stores for other peers. kad-dht 16 keeps every
 * ADD_PROVIDER it is sent (the sender need only name itself) and has no cap of its
 * own, so a DHT server could be made to store any number. This wraps the datastore
 * the DHT is given: a new provider record (`<prefix>/provider/<key>/<peer id>`) from a
 * peer that already has `maxPerPeer` stored, or when `maxTotal` are stored, is
 * dropped (kad-dht sends no answer to ADD_PROVIDER either way). Our own records are
 * never capped. Everything else passes through unchanged.
 */
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import type { Batch, Datastore, Key, KeyQuery, Pair, Query } from 'interface-datastore'
import { batchEach, deleteEach, putEach } from '../datastore-each.js'

export interface ProviderCapLimits {
  /** Records of other peers stored for one peer */
  maxPerPeer: number
  /** Records of other peers stored in all */
  maxTotal: number
}

export class ProviderRecordCap implements Datastore {
  private readonly prefix: string
  private readonly perPeer = new Map<string, number>()
  private total = 0
  /** records refused since start */
  dropped = 0
  /** counted writes run one at a time, so two writes of one new key count it once */
  private serial: Promise<unknown> = Promise.resolve()

  constructor (
    private readonly inner: Datastore,
    datastorePrefix: string,
    private readonly limits: ProviderCapLimits,
    private readonly self: PeerId,
    private readonly log: Logger
  ) {
    this.prefix = `${datastorePrefix}/provider/`
  }

  /** Counts the records already stored (once, before the DHT starts) */
  async load (): Promise<void> {
    for await (const key of this.inner.queryKeys({ prefix: this.prefix })) {
      const peer = this.providerOf(key)
      if (peer != null) this.count(peer, 1)
    }
  }

  /** Stored records of other peers: in all, and for one peer */
  stats (peer?: string): { total: number, peer: number, dropped: number } {
    return { total: this.total, peer: peer == null ? 0 : this.perPeer.get(peer) ?? 0, dropped: this.dropped }
  }

  async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const peer = this.providerOf(key)
    if (peer == null) return this.inner.put(key, value, options)
    return this.inOrder(async () => this.putRecord(peer, key, value, options))
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    const peer = this.providerOf(key)
    if (peer == null) { await this.inner.delete(key, options); return }
    await this.inOrder(async () => {
      if (await this.inner.has(key, options)) this.count(peer, -1)
      await this.inner.delete(key, options)
    })
  }

  private async putRecord (peer: string, key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    if (await this.inner.has(key, options)) return this.inner.put(key, value, options)
    if ((this.perPeer.get(peer) ?? 0) >= this.limits.maxPerPeer || this.total >= this.limits.maxTotal) {
      this.dropped++
      this.log('provider record from %s dropped: at the cap (%d for it, %d in all)', peer, this.perPeer.get(peer) ?? 0, this.total)
      return key
    }
    this.count(peer, 1)
    return this.inner.put(key, value, options)
  }

  has (key: Key, options?: AbortOptions): boolean | Promise<boolean> { return this.inner.has(key, options) }
  get (key: Key, options?: AbortOptions): Uint8Array | Promise<Uint8Array> { return this.inner.get(key, options) }
  getMany (keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): Generator<Pair> | AsyncGenerator<Pair> { return this.inner.getMany(keys, options) }
  query (query: Query, options?: AbortOptions): Generator<Pair> | AsyncGenerator<Pair> { return this.inner.query(query, options) }
  queryKeys (query: KeyQuery, options?: AbortOptions): Generator<Key> | AsyncGenerator<Key> { return this.inner.queryKeys(query, options) }

  putMany (pairs: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    return putEach(this, pairs, options)
  }

  deleteMany (keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
    return deleteEach(this, keys, options)
  }

  /** kad-dht writes provider records one at a time; a batch goes through the capped calls too */
  batch (): Batch {
    return batchEach(this)
  }

  /** The provider of a record key of another peer, or undefined for any other key */
  private providerOf (key: Key): string | undefined {
    const text = key.toString()
    if (!text.startsWith(this.prefix)) return undefined
    const peer = text.slice(text.lastIndexOf('/') + 1)
    return peer === this.self.toString() ? undefined : peer
  }

  private async inOrder<T> (op: () => Promise<T>): Promise<T> {
    const result = this.serial.then(op)
    this.serial = result.catch(() => {})
    return result
  }

  private count (peer: string, delta: number): void {
    const n = (this.perPeer.get(peer) ?? 0) + delta
    if (n <= 0) this.perPeer.delete(peer)
    else this.perPeer.set(peer, n)
    this.total = Math.max(0, this.total + delta)
  }
}
