/**
 * A file's verified bytes in order, as they become available: from the store when
 * the node holds the whole file, else from its download as the verified prefix grows
 * (waiting for each next chunk). One chunk in memory at a time; the reader's pace
 * sets the reading pace. What the control API streams for `get -o -` (`readableContent`:
 * an encrypted file's decrypted).
 */
import { createHash } from 'node:crypto'
import { equals } from 'uint8arrays/equals'
import { decryptChunk } from '../encryption/index.js'
import { AbortedError, DecryptionError, FileNotFoundError, NoFileKeyError } from '../errors.js'
import { type ChunkBytes, chunkPieces, verifiedReader } from '../store/chunk-readers.js'
import type { FileStore, StoredFile } from '../store/file-store.js'
import { chunkMatches } from './chunk-data.js'
import { type DownloadKeys, type UnlockedFile, unlockIfHeld } from './decrypt-download.js'
import type { Transfer } from './transfer.js'

/** Longest wait for a download to report before looking again (a safety net, not a poll rate) */
const RECHECK_MS = 1000

export interface ContentSources {
  store: Pick<FileStore, 'get' | 'openReader'>
  transfers: { get(fileId: string): Transfer | undefined }
  /** a chunk of the stored copy failed its hash (the node marks the file damaged) */
  damaged?(fileId: string): void
}

/** Throws FileNotFoundError unless the node holds or downloads `fileId` */
export async function checkContent (sources: ContentSources, fileId: string): Promise<void> {
  if (sources.transfers.get(fileId) == null && (await sources.store.get(fileId)) == null) {
    throw new FileNotFoundError(`Neither stored nor downloading: ${fileId}`)
  }
}

/** The file's verified chunks in order, one item a chunk (as one buffer or as pieces) */
export async function * verifiedContent (sources: ContentSources, fileId: string, signal: AbortSignal): AsyncGenerator<ChunkBytes> {
  let next = 0
  while (true) {
    if (signal.aborted) throw new AbortedError('Reading stopped')
    const stored = await sources.store.get(fileId)
    if (stored != null) {
      yield * fromStore(sources, stored, next)
      return
    }
    const transfer = sources.transfers.get(fileId)
    if (transfer == null || transfer.state === 'cancelled') throw new FileNotFoundError(`No download of ${fileId}`)
    // listen before looking, so a chunk written in between is not missed
    const change = nextChange(transfer, signal)
    const read = transfer.holds(next) ? await transfer.readChunk(next).catch(() => undefined) : undefined
    // the partial file is checked again too: a chunk damaged on disk since is fetched again, not handed out
    const data = read != null && chunkMatches(transfer.manifest, next, read) ? read : undefined
    if (read != null && data == null) transfer.forget(next)
    if (data != null) {
      change.cancel()
      yield data
      next++
      continue
    }
    // not there yet, or the download just completed and closed its partial file: the store has it next
    await change.promise
  }
}

async function * fromStore (sources: ContentSources, stored: StoredFile, from: number): AsyncGenerator<ChunkBytes> {
  const opened = await sources.store.openReader(stored)
  if (opened == null) throw new FileNotFoundError(`The stored copy of ${stored.record.fileId} changed or is gone`)
  const reader = verifiedReader(opened, stored.manifest, () => sources.damaged?.(stored.record.fileId))
  try {
    for (let i = from; i < stored.manifest.chunkHashes.length; i++) yield await reader.read(i)
  } finally {
    await reader.close()
  }
}

/** Settles on the download's next chunk or report (or after RECHECK_MS, or on abort) */
function nextChange (transfer: Transfer, signal: AbortSignal): { promise: Promise<void>, cancel(): void } {
  const { promise, resolve } = Promise.withResolvers<void>()
  const offChunk = transfer.watch(() => { resolve() })
  const offProgress = transfer.onProgress(() => { resolve() })
  const timer = setTimeout(resolve, RECHECK_MS)
  const onAbort = (): void => { resolve() }
  signal.addEventListener('abort', onAbort, { once: true })
  const cancel = (): void => {
    signal.removeEventListener('abort', onAbort)
    offChunk()
    offProgress()
    clearTimeout(timer)
  }
  void promise.then(cancel)
  return { promise, cancel }
}

/**
 * What `get -o -` reads: the verified bytes in order, an encrypted file's decrypted
 * chunk by chunk with the key held (each chunk's tag checks before it is handed out;
 * the plaintext SHA-256 is checked at the end, a mismatch failing the stream)
 */
export async function * readableContent (sources: ContentSources & { keys: Pick<DownloadKeys, 'fileKeys'> }, fileId: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let index = 0
  let file: UnlockedFile | undefined
  let count = 0
  const hash = createHash('sha256')
  for await (const data of verifiedContent(sources, fileId, signal)) {
    if (index === 0) {
      const manifest = (await sources.store.get(fileId))?.manifest ?? sources.transfers.get(fileId)?.manifest
      if (manifest?.encryption != null) {
        file = await unlockIfHeld(sources.keys, fileId, manifest)
        if (file == null) throw new NoFileKeyError(`${fileId} is encrypted and this node has no key for it`)
        count = manifest.chunkHashes.length
      }
    }
    if (file == null) {
      index++
      // a chunk read on the hash thread comes in pieces: they go out as they are
      yield * chunkPieces(data)
      continue
    }
    // a chunk is decrypted whole: its tag covers all of it
    const plain = decryptChunk(file.cipher, index++, count, data.subarray())
    hash.update(plain)
    yield plain
  }
  if (file != null && !equals(hash.digest(), file.sealed.sha256)) throw new DecryptionError(`The decrypted ${fileId} does not have the SHA-256 its sealed metadata gives`)
}
