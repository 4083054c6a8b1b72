/**
 * `putMany` and `deleteMany` of a datastore wrapper, made of its own `put` and `delete`:
 * a wrapper that checks or counts each record (the provider-record cap, the peer-record
 * cache) sees a batch one record at a time, as it sees single writes.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Datastore, Key, Pair } from 'interface-datastore'

export async function * putEach (store: Pick<Datastore, 'put'>, pairs: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
  for await (const { key, value } of pairs) yield await store.put(key, value, options)
}

export async function * deleteEach (store: Pick<Datastore, 'delete'>, keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
  for await (const key of keys) {
    await store.delete(key, options)
    yield key
  }
}
