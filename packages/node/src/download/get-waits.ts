/**
 * The waits of `node.get` on downloads: several gets may wait on one download (a second
 * `get` of the same file joins it). A get whose signal aborts cancels the download only
 * when no other get waits on it; a replica fetch a user's download took over goes on as
 * theirs, only that wait ends.
 */
import { AbortedError } from '../errors.js'
import type { FileRecord } from '../store/file-record.js'
import type { TransferProgress } from './transfer-progress.js'
import type { Transfer } from './transfer.js'

export interface GetWaitOptions {
  signal?: AbortSignal
  onProgress?(progress: TransferProgress): void
  /** the get was a replica fetch's (`StartOptions.onlyFrom`) */
  onlyFrom?: boolean
}

export class GetWaits {
  private readonly waiting = new WeakMap<Transfer, number>()

  /**
   * Waits until `transfer` is done and, when this get joined a download going elsewhere,
   * its own copy is in place (`copy()`, asked once the download is done)
   */
  async wait (transfer: Transfer, options: GetWaitOptions, copy: () => Promise<string> | undefined): Promise<FileRecord> {
    this.waiting.set(transfer, (this.waiting.get(transfer) ?? 0) + 1)
    const unsubscribe = options.onProgress == null ? undefined : transfer.onProgress(options.onProgress)
    const ended = Promise.withResolvers<never>()
    const onAbort = (): void => {
      if (options.onlyFrom === true && !transfer.fixedSources) ended.reject(options.signal?.reason)
      else if ((this.waiting.get(transfer) ?? 0) > 1) ended.reject(new AbortedError(`Get of ${transfer.fileId} aborted: the download goes on for another get of it`))
      else void transfer.cancel()
    }
    options.signal?.addEventListener('abort', onAbort)
    // aborted while the download was being set up: no event comes any more
    if (options.signal?.aborted === true) onAbort()
    try {
      const record = await Promise.race([transfer.done(), ended.promise])
      const placed = copy()
      if (placed != null) await Promise.race([placed, ended.promise])
      return record
    } finally {
      unsubscribe?.()
      options.signal?.removeEventListener('abort', onAbort)
      this.waiting.set(transfer, (this.waiting.get(transfer) ?? 1) - 1)
    }
  }
}
