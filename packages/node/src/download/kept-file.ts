/**
 * A file the node keeps as stored (its own share, in place or in the repo; an earlier
 * download; a replica it holds): what a user's start of it takes instead of fetching
 * (`startKept`, from `TransferManager.create`). A start with an output gets a copy,
 * every chunk checked on the way; a chunk that fails marks the file damaged, a read
 * that fails (the file removed or unreadable meanwhile) does not, and either way the
 * start downloads the file instead. A start into the repo takes the file where it is.
 */
import type { Logger } from '@libp2p/interface'
import type { Manifest } from '@peershare/protocol'
import { copyVerified } from '../collection/safe-fs.js'
import { AbortedError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import { type ChunkReader, readChecked } from '../store/chunk-readers.js'
import { type FileRecord, plaintextPath } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'
import { type StartDestination, destinationPath, sameFile, startRecord, startsIntoRepo } from './destination.js'
import { Transfer, type TransferComponents } from './transfer.js'

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
 * damaged): what a user's download of it copies (`startKept`). An
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

/**
 * A user's start of a file the node keeps: nothing is fetched. The file is copied,
 * every chunk verified, to the output the start names (`copied` says where), or stays
 * where it is for a start into the repo (`--hold`, `-o -`). Undefined when a chunk of
 * it fails its hash (the file is then marked damaged) or a read fails: the start
 * downloads it. `first`, a session opened by SHA-256, is let go.
 */
export async function startKept (components: TransferComponents & { takenOver?: (fileId: string) => void }, kept: KeptFile, options: StartDestination & { copied?: (placed: Promise<string>) => void }, first?: FetchSession): Promise<Transfer | undefined> {
  const { fileId } = kept.record
  const intoRepo = startsIntoRepo(options)
  const record = startRecord(fileId, options)
  if (!intoRepo) {
    record.output = await destinationPath({ ...options, output: options.output ?? options.offeredName }, kept.record.metadata)
    if (!(await kept.copyTo(record.output, options.force === true))) return undefined
    options.copied?.(Promise.resolve(record.output))
  }
  first?.abort(new AbortedError(`${fileId} is kept by this node: nothing to fetch`))
  // a file held as a replica is the user's from now on, as for a download of it (the holder clears the mark)
  components.takenOver?.(fileId)
  const { replica, ...users } = kept.record
  components.log('%s is kept by this node: %s', fileId, intoRepo ? 'nothing fetched' : `copied to ${record.output}`)
  return Transfer.kept(components, record, users)
}
