/**
 * One read of a key that may be missing. A datastore's `has` is a whole read (LevelDB's
 * `get` in datastore-level), so `has` then `get` reads a record twice, and each read
 * waits its turn on the libuv threadpool: a serve's start (the Want's record) paid it.
 */
import type { Datastore, Key } from 'interface-datastore'

export async function getIfPresent (datastore: Pick<Datastore, 'get'>, key: Key): Promise<Uint8Array | undefined> {
  try {
    return await datastore.get(key)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
}
