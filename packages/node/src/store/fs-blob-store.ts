/**
 * The Node adapter's blob store: one file per blob in a directory private to its user
 * (`<repo>/blobs/<file id>`). A blob is written to a temporary file in the same
 * directory, synced, then renamed to its file id, so a crash never leaves half a blob
 * under a file id.
 */
import { randomUUID } from 'node:crypto'
import { type FileHandle, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fsError } from '../errors.js'
import { fileSink } from '../fs-pipeline.js'
import { readExactly } from '../fs-read.js'
import type { BlobReader, BlobStore, BlobWriter } from './blob-store.js'

/** The name a blob has while it is written, before `commit` names it by its file id */
const IMPORT_PREFIX = '.import-'

export class FsBlobStore implements BlobStore {
  constructor (private readonly dir: string) {}

  /**
   * Deletes blobs a crash left half written (a `share --copy` killed while hashing left
   * a 900 MB one, never counted nor removed); returns the bytes freed. Only while no blob
   * is being written: as the node opens its repo.
   */
  async removeUnfinished (): Promise<number> {
    let freed = 0
    const names = await readdir(this.dir).catch(() => [] as string[])
    for (const name of names.filter(n => n.startsWith(IMPORT_PREFIX))) {
      const path = join(this.dir, name)
      const info = await stat(path).catch(() => undefined)
      // only files of ours: a folder by such a name is left alone, and a file that will not go stays
      if (info?.isFile() !== true) continue
      if (await rm(path, { force: true }).then(() => true, () => false)) freed += info.size
    }
    return freed
  }

  path (fileId: string): string {
    return join(this.dir, fileId)
  }

  async create (): Promise<BlobWriter> {
    const tmp = join(this.dir, `${IMPORT_PREFIX}${randomUUID()}`)
    const handle = await open(tmp, 'w', 0o600).catch((err) => { throw fsError(err, this.dir) })
    return fileWriter(handle, tmp, fileId => this.path(fileId), this.dir)
  }

  async open (fileId: string): Promise<BlobReader | undefined> {
    const handle = await open(this.path(fileId), 'r').catch(() => undefined)
    return handle == null ? undefined : fileReader(handle)
  }

  async size (fileId: string): Promise<number | undefined> {
    return (await stat(this.path(fileId)).catch(() => undefined))?.size
  }

  async delete (fileId: string): Promise<void> {
    await rm(this.path(fileId), { force: true })
  }
}

/** A reader of an open file (a blob, or a file outside the repo) */
export function fileReader (handle: FileHandle): BlobReader {
  return {
    read: async (length, offset) => readExactly(handle, length, offset),
    close: async () => { await handle.close() }
  }
}

function fileWriter (handle: FileHandle, tmp: string, pathOf: (fileId: string) => string, dir: string): BlobWriter {
  let open = true
  const close = async (): Promise<void> => {
    if (!open) return
    open = false
    await handle.close()
  }
  return {
    // every byte, over short writes (a full disk's last few)
    write: fileSink(handle, dir).write,
    sync: async () => {
      await handle.sync().catch((err) => { throw fsError(err, dir) })
    },
    commit: async (fileId) => {
      try {
        // nothing left to write back when `sync` ran first
        await handle.sync()
        await close()
        await rename(tmp, pathOf(fileId))
      } catch (err) {
        throw fsError(err, dir)
      }
    },
    abort: async () => {
      await close().catch(() => {})
      await rm(tmp, { force: true })
    }
  }
}
