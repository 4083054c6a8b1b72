/**
 * Downloading one file from one provider: a verified manifest first, then chunk
 * requests kept `window` deep (pipelined, not one round trip per chunk). Every chunk
 * is verified against the manifest before it is written at its offset into a partial
 * file next to the destination; the whole-file SHA-256 is checked, the data synced,
 * and only then is the partial file linked into place (never over an existing file).
 */
import { link, lstat, mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import {
  bytesToHex,
  chunkOffset,
  MAX_OUTSTANDING_CHUNKS,
  formatFileId,
  isValidChunk,
  type FileMetadata
} from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { OutputExistsError, PeerMisbehavedError, fsError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { FileRecord } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'
import { PrefixHasher } from './prefix-hasher.js'
import { RateMeter } from './rate-meter.js'

export interface DownloadProgress {
  fileId: string
  name: string
  bytesDone: number
  bytesTotal: number
  /** bytes per second over the last few seconds */
  rate: number
}

export interface DownloadOptions {
  /** destination file, or an existing directory to put the file in under its own name */
  output?: string
  /** directory for a relative `output`, or for the file when no `output` is given */
  cwd?: string
  signal?: AbortSignal
  onProgress?(progress: DownloadProgress): void
}

export interface DownloadComponents {
  store: Pick<FileStore, 'put'>
  /** bytes of requests kept in flight */
  windowBytes: number
}

const PROGRESS_INTERVAL_MS = 250

/** Downloads the file of an open session (its manifest already verified) and records it */
export async function downloadFile (components: DownloadComponents, session: FetchSession, options: DownloadOptions): Promise<FileRecord> {
  try {
    const output = await destinationPath(options, session.metadata)
    const record = await fetchInto(components, session, output, options)
    await session.complete()
    await components.store.put(record, session.manifestBytes)
    return record
  } catch (err: any) {
    session.abort(err)
    throw err
  }
}

/** Where the file goes; fails if something is there already */
async function destinationPath (options: DownloadOptions, metadata: FileMetadata): Promise<string> {
  const base = options.cwd ?? process.cwd()
  let output = options.output == null ? join(base, metadata.name) : resolve(base, options.output)
  const info = await lstat(output).catch(() => undefined)
  if (info?.isDirectory() === true) output = join(output, metadata.name)
  else if (info != null) throw new OutputExistsError(`Output exists: ${output}`)
  if (await lstat(output).then(() => true, () => false)) throw new OutputExistsError(`Output exists: ${output}`)
  return output
}

async function fetchInto (components: DownloadComponents, session: FetchSession, output: string, options: DownloadOptions): Promise<FileRecord> {
  const { manifest } = session
  const fileId = formatFileId(session.fileId)
  await mkdir(dirname(output), { recursive: true })
  const partial = `${output}.peershare-partial`
  // exclusive: a second download to the same path must not share (and truncate) this file
  const file = await open(partial, 'wx', 0o644).catch((err: any) => {
    throw err.code === 'EEXIST' ? new OutputExistsError(`${partial} exists: another download to ${output} is running or was interrupted`) : err
  })
  try {
    await receiveChunks(components, session, file, options, fileId)
    await file.sync()
    await file.close()
    await link(partial, output).catch((err: any) => {
      throw err.code === 'EEXIST' ? new OutputExistsError(`Output exists: ${output}`) : err
    })
    const info = await stat(output)
    return {
      fileId,
      sha256: bytesToHex(manifest.sha256),
      size: manifest.size,
      chunkSize: manifest.chunkSize,
      metadata: session.metadata,
      location: { kind: 'path', path: output, size: info.size, mtimeMs: info.mtimeMs },
      added: Date.now()
    }
  } catch (err) {
    throw fsError(err, output)
  } finally {
    await file.close().catch(() => {})
    // once linked, the output holds the data; before that, the partial file is useless
    await rm(partial, { force: true })
  }
}

/** Requests, verifies and writes every chunk; checks the whole-file hash at the end */
async function receiveChunks (components: DownloadComponents, session: FetchSession, file: FileHandle, options: DownloadOptions, fileId: string): Promise<void> {
  const { manifest } = session
  const count = manifest.chunkHashes.length
  const window = Math.min(MAX_OUTSTANDING_CHUNKS, Math.max(2, Math.floor(components.windowBytes / manifest.chunkSize)))
  const outstanding = new Set<number>()
  const hasher = new PrefixHasher(manifest, file)
  const meter = new RateMeter()
  let nextToRequest = 0
  let bytesDone = 0
  let lastReport = 0

  const requestMore = async (): Promise<void> => {
    const batch: number[] = []
    while (outstanding.size < window && nextToRequest < count) {
      outstanding.add(nextToRequest)
      batch.push(nextToRequest++)
    }
    if (batch.length > 0) await session.request(batch, 'normal', options.signal)
  }
  const report = (force: boolean): void => {
    const now = Date.now()
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return
    lastReport = now
    options.onProgress?.({ fileId, name: session.metadata.name, bytesDone, bytesTotal: manifest.size, rate: meter.rate })
  }

  report(true)
  await requestMore()
  while (outstanding.size > 0) {
    const { index, data } = await session.next(options.signal)
    if (!outstanding.delete(index)) throw new PeerMisbehavedError(`Peer ${session.peer} sent chunk ${index}, which was not requested`)
    if (!(await isValidChunk(manifest, index, data))) {
      throw new PeerMisbehavedError(`Peer ${session.peer} sent chunk ${index} of ${fileId} that fails verification`)
    }
    await requestMore()
    await file.write(data, 0, data.byteLength, chunkOffset(manifest, index))
    await hasher.add(index, data)
    bytesDone += data.byteLength
    meter.add(data.byteLength)
    report(false)
  }
  if (!equals(hasher.digest(), manifest.sha256)) {
    throw new PeerMisbehavedError(`Peer ${session.peer} offered a manifest whose SHA-256 does not match its chunks`)
  }
  report(true)
}
