/**
 * A file the node keeps, its plaintext as stored (its own share, in place or in the repo;
 * an earlier download; a replica it holds): what a user's download of it copies instead
 * of fetching (transfer-manager.ts `fromKept`). The copy checks every chunk on the way;
 * a chunk that fails marks the file damaged, a read that fails (the file removed or
 * unreadable meanwhile) does not, and either way the start downloads the file instead.
 */
import { stat } from 'node:fs/promises'
import type { Logger } from '@libp2p/interface'
import type { Manifest } from '@peershare/protocol'
import { copyVerified } from '../collection/safe-fs.js'
import { type ChunkReader, readChecked } from '../store/chunk-readers.js'
import { type FileRecord, plaintextPath } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'

export interface KeptFile {
  record: FileRecord
  /** its copy is the repo's (a blob), not a file of the user's */
  inRepo: boolean
  /**
   * Copies it to `target`, every chunk verified (a `target` that is the kept file itself
   * is only checked); false, writing nothing, when a chunk fails its hash (the file is
   * then marked damaged) or a read fails
   */
  copyTo(target: string, replace: boolean): Promise<boolean>
}

/**
 * The file when the store keeps it with its content as verified (not changed or
 * damaged): what a user's download of it copies (transfer-manager.ts `fromKept`). An
 * encrypted file's only for a start into the repo (`inRepoOnly`: `--hold`, `-o -`),
 * which copies nothing: its ciphertext is what the repo keeps, and a download to read it
 * decrypts the held copy instead (`startFromHeldCopy`).
 */
export async function keptFile (store: FileStore, fileId: string, options: { inRepoOnly: boolean }, damaged?: (fileId: string) => void, log?: Logger): Promise<KeptFile | undefined> {
  const record = await store.getRecord(fileId)
  if (record == null || await store.contentStatus(record) !== 'ok') return undefined
  // an encrypted file's copy is its ciphertext: kept for a start into the repo (`--hold`), never copied out as the file
  if ((record.ciphertext === true || record.encrypted != null) && !options.inRepoOnly) return undefined
  const stored = await store.withManifest(record)
  if (stored == null) return undefined
  const path = plaintextPath(record) ?? store.blobPath(fileId)
  return {
    record,
    inRepo: record.location.kind === 'blob',
    copyTo: async (target, replace) => {
      const reader = await store.openReader(stored)
      if (reader == null) return false
      // a read that fails (the file removed or unreadable meanwhile) is no damage: the start downloads it instead
      let unread: Error | undefined
      const reads = readsOrNone(reader, err => { unread ??= err })
      try {
        // the output is the kept file itself (`get -o <its path> --force`): it is there if every chunk checks
        const intact = await sameFile(path, target) ? await everyChunkChecks(reads, stored.manifest) : await copyVerified(reads, stored.manifest, target, replace)
        if (intact) return true
      } finally {
        await reader.close()
      }
      if (unread != null) log?.('%s: its kept copy could not be read (%s): downloaded instead', fileId, unread.message)
      else damaged?.(fileId)
      return false
    }
  }
}

/** `reader`, whose failed reads give no chunk (a copy then stops) and are told to `failed` */
function readsOrNone (reader: ChunkReader, failed: (err: Error) => void): ChunkReader {
  const none = (err: Error): undefined => { failed(err); return undefined }
  return {
    read: async index => reader.read(index).catch(err => { failed(err); return new Uint8Array(0) }),
    ...(reader.readVerified == null ? {} : { readVerified: async (index: number) => reader.readVerified?.(index).catch(none) }),
    close: async () => reader.close()
  }
}

async function everyChunkChecks (reader: ChunkReader, manifest: Manifest): Promise<boolean> {
  for (let i = 0; i < manifest.chunkHashes.length; i++) {
    if ((await readChecked(reader, manifest, i)) == null) return false
  }
  return true
}

async function sameFile (a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)]).catch(() => [undefined, undefined])
  return x != null && y != null && x.dev === y.dev && x.ino === y.ino
}
