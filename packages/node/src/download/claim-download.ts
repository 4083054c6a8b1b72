/**
 * Where a download goes, decided once its first verified session answered
 * (`Transfer.adopt`): the manifest's size checked against one the download was told, the
 * output (decrypt-download.ts `downloadTarget`), and its partial file, claimed in the
 * saved record before it is made.
 */
import { SizeMismatchError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import { type DownloadKeys, downloadTarget } from './decrypt-download.js'
import { PartialFile, siblingPath } from './partial-file.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

export interface ClaimComponents {
  keys: DownloadKeys
  /** where a download into the repo puts the file */
  blobPath(fileId: string): string
  transfers: Pick<TransferStore, 'save'>
}

/**
 * The partial file of the download `record` describes, with its destination recorded in
 * `record` and saved with the manifest. The claim is saved first, in one write with the
 * manifest (it is on the way to the first chunk): a run killed after the claim, before
 * or after creating the file, left the claim, and the next run takes the file back or
 * makes it (`PartialFile.reopen`), trusting none of its bytes, rather than refuse it as
 * another download's. A partial file there that this download never claimed is
 * another's: the claim goes again.
 */
export async function claimDownload (components: ClaimComponents, record: TransferRecord, session: FetchSession, signal: AbortSignal): Promise<PartialFile> {
  const { expectedSize, fileId } = record
  if (expectedSize != null && session.manifest.size !== expectedSize) {
    throw new SizeMismatchError(`${fileId} is ${session.manifest.size} bytes, not the ${expectedSize} this download was told: nothing fetched`)
  }
  const target = await downloadTarget(components.keys, record, session, [session.peer], () => components.blobPath(fileId), signal)
  const path = siblingPath(target.output, '.peershare-partial')
  if (record.partialPath === path) {
    const partial = await PartialFile.reopen(path, session.manifest)
    Object.assign(record, target)
    await components.transfers.save(record, session.manifestBytes)
    return partial
  }
  Object.assign(record, { ...target, partialPath: path })
  try {
    await components.transfers.save(record, session.manifestBytes)
    return await PartialFile.create(path, session.manifest, target.output)
  } catch (err) {
    // not claimed, or not made: a try after this one must create the file, not take it as its own
    delete record.partialPath
    await components.transfers.save(record).catch(() => {})
    throw err
  }
}
