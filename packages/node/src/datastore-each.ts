/**
 * `putMany`, `deleteMany` and `batch` of a datastore wrapper, made of its own `put` and `delete`:
 * a wrapper that checks or counts each record (the provider-record cap, the peer-record
 * cache) sees a batch one record at a time, as it sees single writes.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Batch, Datastore, Key, Pair } from 'interface-datastore'

export async function * putEach (store: Pick<Datastore, 'put'>, pairs: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
  for await (const { key, value } of pairs) yield await store.put(key, value, options)
}

export async function * deleteEach (store: Pick<Datastore, 'delete'>, keys: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
  for await (const key of keys) {
    await store.delete(key, options)
    yield key
  }
}

/** A batch that runs its puts and deletes one by one through `store`, in order, at commit */
export function batchEach (store: Pick<Datastore, 'put' | 'delete'>): Batch {
  const ops: Array<() => Promise<unknown>> = []
  return {
    put: (key, value) => { ops.push(async () => store.put(key, value)) },
    delete: (key) => { ops.push(async () => store.delete(key)) },
    commit: async (options?: AbortOptions) => {
      for (const op of ops) {
        options?.signal?.throwIfAborted()
        await op()
      }
    }
  }
}
