/**
 * Whether the node's stored files still hold what was verified, and what follows when
 * they do not: a file changed, damaged or missing on disk is withdrawn from the DHT
 * (once) and no longer served; a shared file (a blob in the repo) damaged or missing is
 * fetched again from other providers; one that is `ok` again is provided again.
 * `verify` hashes every chunk; the cheap check (`check`) only compares size and mtime.
 */
import type { Logger } from '@libp2p/interface'
import { parseFileId } from '@peershare/protocol'
import type { TransferManager } from '../download/transfer-manager.js'
import { FileNotFoundError } from '../errors.js'
import type { FileIndex } from '../index/file-index.js'
import type { FileRecord } from './file-record.js'
import type { ContentStatus, FileStore, StoredFile } from './file-store.js'

/** A local file and whether its content is still what was verified (only `ok` is served) */
export interface LocalFile {
  record: FileRecord
  status: ContentStatus
}

/** What `verify` found for one file: its status after hashing every chunk, and which chunks failed */
export interface VerifiedFile extends LocalFile {
  damagedChunks: number[]
}

export interface ContentHealthComponents {
  store: Pick<FileStore, 'get' | 'list' | 'contentStatus' | 'setDamaged' | 'damagedChunks'>
  index: Pick<FileIndex, 'announce' | 'withdraw'>
  transfers: Pick<TransferManager, 'get' | 'start'>
  log: Logger
}

export class ContentHealth {
  /** stored files found changed, damaged or gone on disk, and so withdrawn from the DHT */
  private readonly withdrawn = new Set<string>()
  /** files being marked damaged now (one read failing for many peers marks once) */
  private readonly marking = new Set<string>()

  constructor (private readonly components: ContentHealthComponents) {}

  /**
   * A stored file's status on disk. One that stopped being servable is withdrawn from
   * the DHT (once), and repaired when it is a damaged or missing blob; one servable
   * again (the user put it back) is provided again, as is every servable one when
   * `announce` is set.
   */
  async check (record: FileRecord, announce = false): Promise<ContentStatus> {
    const { store, index, log } = this.components
    const status = await store.contentStatus(record)
    if (status === 'ok') {
      if (this.withdrawn.delete(record.fileId) || announce) index.announce(record)
      return status
    }
    if (!this.withdrawn.has(record.fileId)) {
      this.withdrawn.add(record.fileId)
      log('%s is %s on disk: no longer provided', record.fileId, status)
      await index.withdraw(record).catch((err: Error) => { log('withdrawing %s failed: %s', record.fileId, err.message) })
    }
    if (status === 'damaged' || status === 'missing') await this.repair(record)
    return status
  }

  /** The file is stored and provided afresh (a download or repair completed), or forgotten */
  reset (fileId: string): void {
    this.withdrawn.delete(fileId)
  }

  /**
   * A chunk of a stored file failed its hash when read (for a peer, or for `get -o -`):
   * the file is marked damaged (kept across restarts), no longer served nor provided,
   * and repaired from the network if it is a shared file in the repo
   */
  async markDamaged (fileId: string): Promise<void> {
    if (this.marking.has(fileId)) return
    this.marking.add(fileId)
    try {
      const record = await this.components.store.setDamaged(fileId, Date.now())
      if (record == null) return
      this.components.log('%s failed its hash on disk: marked damaged', fileId)
      await this.check(record)
    } catch (err: any) {
      this.components.log('marking %s damaged failed: %s', fileId, err.message)
    } finally {
      this.marking.delete(fileId)
    }
  }

  /**
   * Hashes every chunk of the given stored files: a file with a chunk failing is marked
   * damaged, withdrawn and repaired when shared; one marked damaged that hashes clean
   * again (put back by hand) is served again.
   */
  async verify (fileIds: string[]): Promise<VerifiedFile[]> {
    const results: VerifiedFile[] = []
    for (const fileId of fileIds) {
      const stored = await this.components.store.get(fileId)
      if (stored == null) throw new FileNotFoundError(`Not a local file: ${fileId}`)
      results.push(await this.verifyOne(stored))
    }
    return results
  }

  private async verifyOne (stored: StoredFile): Promise<VerifiedFile> {
    const { store } = this.components
    let { record } = stored
    const before = await store.contentStatus({ ...record, damaged: undefined })
    const damagedChunks = before === 'ok' || before === 'damaged' ? await store.damagedChunks(stored) : []
    if (damagedChunks.length > 0 && record.damaged == null) record = await store.setDamaged(record.fileId, Date.now()) ?? record
    if (damagedChunks.length === 0 && before === 'ok' && record.damaged != null) record = await store.setDamaged(record.fileId, undefined) ?? record
    return { record, status: await this.check(record), damagedChunks }
  }

  /**
   * Fetches a damaged or missing shared file again from other providers (the DHT's,
   * never ourselves) into a temporary file that atomically replaces the blob once
   * verified; the node's `completed` keeps the record and provides the file again. A
   * download outside the repo is the user's file: it is not rewritten (`get --force`
   * fetches it again).
   */
  private async repair (record: FileRecord): Promise<void> {
    const { transfers, log } = this.components
    if (record.location.kind !== 'blob' || transfers.get(record.fileId) != null) return
    log('repairing %s from the network', record.fileId)
    await transfers.start({ kind: 'file-id', fileId: parseFileId(record.fileId) }, { repair: true })
      .catch((err: Error) => { log('repair of %s could not start: %s', record.fileId, err.message) })
  }
}
