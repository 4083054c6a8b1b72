/**
 * The repo's LevelDB datastore, a full disk said as what it is. LevelDB says a full
 * disk only in its message ("IO error: …/000003.log: No space left on device", wrapped
 * by datastore-level as ERR_PUT_FAILED): here every write that fails so is a
 * DiskFullError, so a download's checkpoint pauses it (transfer.ts) rather than failing
 * it, and the control API answers ERR_DISK_FULL (507).
 */
import type { AbortOptions } from '@libp2p/interface'
import { LevelDatastore } from 'datastore-level'
import type { Batch, Key } from 'interface-datastore'
import { DiskFullError } from '../errors.js'

export class RepoDatastore extends LevelDatastore {
  override async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    return super.put(key, value, options).catch(saidFull)
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    return super.delete(key, options).catch(saidFull)
  }

  override batch (): Batch {
    const batch = super.batch()
    return {
      put: (key, value) => { batch.put(key, value) },
      delete: key => { batch.delete(key) },
      commit: async options => { await Promise.resolve(batch.commit(options)).catch(saidFull) }
    }
  }
}

function saidFull (err: any): never {
  if (typeof err?.message === 'string' && err.message.includes('No space left on device')) {
    throw new DiskFullError(`No space left on the device of the repo's datastore (${err.message.split('\n')[0]})`, { cause: err })
  }
  throw err
}
