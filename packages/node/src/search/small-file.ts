/**
 * A small file by its file id, on this node's disk: the stored copy, or fetched into
 * the repo (verified like any download) from the given peers first, then providers.
 * Used for thumbnails: a file larger than `maxBytes` is cancelled as soon as its
 * verified manifest gives the size, so a peer cannot make `show` pull a large file.
 */
import { defineError } from '@peershare/client'
import type { StartOptions } from '../download/transfer-manager.js'
import type { Transfer } from '../download/transfer.js'
import type { FileRecord } from '../store/file-record.js'

/** A file asked for as small (a thumbnail) is larger than allowed */
export const FileTooLargeError = defineError('FileTooLargeError', 'ERR_FILE_TOO_LARGE')

export interface SmallFileComponents {
  stored(fileId: string): Promise<FileRecord | undefined>
  /** a download of the file is under way (the user's, a replica fetch): joined, never cancelled */
  downloading(fileId: string): boolean
  contentPath(record: FileRecord): string
  download(fileId: string, options: StartOptions): Promise<Transfer>
}

export async function fetchSmallFile (components: SmallFileComponents, fileId: string, options: { peers: string[], maxBytes: number, signal: AbortSignal }): Promise<string> {
  const held = await components.stored(fileId)
  if (held != null) {
    if (held.size > options.maxBytes) throw new FileTooLargeError(`${fileId} is ${held.size} bytes, more than ${options.maxBytes}`)
    return components.contentPath(held)
  }
  const joined = components.downloading(fileId)
  const transfer = await components.download(fileId, { stream: true, internal: true, peers: options.peers, signal: options.signal })
  const tooLarge = Promise.withResolvers<never>()
  const check = (total: number | null): void => {
    if (total != null && total > options.maxBytes) tooLarge.reject(new FileTooLargeError(`${fileId} is ${total} bytes, more than ${options.maxBytes}`))
  }
  const unsubscribe = transfer.onProgress(p => { check(p.bytesTotal) })
  const onAbort = (): void => { tooLarge.reject(options.signal.reason) }
  options.signal.addEventListener('abort', onAbort, { once: true })
  try {
    check(transfer.progress().bytesTotal)
    return components.contentPath(await Promise.race([transfer.done(), tooLarge.promise]))
  } catch (err) {
    // too large, or given up: nothing of it stays (a download someone else started goes on)
    if (!joined) await transfer.cancel().catch(() => {})
    throw err
  } finally {
    unsubscribe()
    options.signal.removeEventListener('abort', onAbort)
  }
}
