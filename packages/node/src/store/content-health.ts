/**
 * Whether the node's stored files still hold what was verified, and what follows when
 * they do not: a file changed, damaged or missing on disk is withdrawn from the DHT
 * (once) and no longer served; a shared file (a blob in the repo) damaged or missing is
 * fetched again from other providers; one that is `ok` again is provided again.
 * A file shared in place (its path recorded, offer details kept) found changed or gone
 * is marked so in its record (`changed`, with the reason `ls` shows), its offer is
 * withdrawn too, and it stays withdrawn until the user shares it again.
 * `verify` hashes every chunk; the cheap check (`check`) only compares size, mtime,
 * inode and device. After a restart, a file outside the repo whose stat changed is
 * hashed again (`recheckChanged`): served again if every chunk still matches.
 */
import { stat } from 'node:fs/promises'
import type { Logger } from '@libp2p/interface'
import { parseFileId } from '@peershare/protocol'
import type { Discovery } from '../discovery/index.js'
import type { TransferManager } from '../download/transfer-manager.js'
import { FileNotFoundError } from '../errors.js'
import type { FileIndex } from '../dht/index.js'
import type { FileRecord } from './file-record.js'
import { type ContentCheck, type ContentStatus, type FileStore, type StoredFile, pathChange } from './file-store.js'

/** A local file and whether its content is still what was verified (only `ok` is served), and if not, why */
export interface LocalFile {
  record: FileRecord
  status: ContentStatus
  reason?: string
}

/** What `verify` found for one file: its status after hashing every chunk, and which chunks failed */
export interface VerifiedFile extends LocalFile {
  damagedChunks: number[]
}

export interface ContentHealthComponents {
  store: Pick<FileStore, 'get' | 'has' | 'list' | 'contentStatus' | 'contentCheck' | 'setDamaged' | 'setChanged' | 'setLocation' | 'damagedChunks'>
  index: Pick<FileIndex, 'announce' | 'withdraw'>
  /** the offers of files shared in place that changed are withdrawn */
  discovery: Pick<Discovery, 'withdraw'>
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
  async check (record: FileRecord, announce = false): Promise<ContentCheck> {
    const { store, index, log } = this.components
    const found = await store.contentCheck(record)
    const { status } = found
    if (status === 'ok') {
      if (this.withdrawn.delete(record.fileId) || announce) index.announce(record)
      return found
    }
    if ((status === 'modified' || status === 'missing') && record.changed == null && sharedInPlace(record)) await this.markChanged(record, { status, reason: found.reason ?? status })
    if (!this.withdrawn.has(record.fileId)) {
      this.withdrawn.add(record.fileId)
      log('%s is %s on disk (%s): no longer provided', record.fileId, status, found.reason)
      await index.withdraw(record).catch((err: Error) => { log('withdrawing %s failed: %s', record.fileId, err.message) })
    }
    if (status === 'damaged' || status === 'missing') await this.repair(record)
    return found
  }

  /**
   * A file shared in place no longer holds what was shared: the record says so (the
   * mark survives a restart, and only sharing it again clears it) and its offer goes
   */
  private async markChanged (record: FileRecord, change: { status: 'modified' | 'missing', reason: string }): Promise<void> {
    const { store, discovery, log } = this.components
    await store.setChanged(record.fileId, { at: Date.now(), ...change })
    log('%s, shared in place, is %s: %s; withdrawn until shared again', record.fileId, change.status, change.reason)
    await discovery.withdraw(record.fileId).catch((err: Error) => { log('withdrawing the offer of %s failed: %s', record.fileId, err.message) })
  }

  /**
   * The check a starting node makes of each stored file: as `check` (providing the
   * servable ones), except that a file outside the repo whose stat changed (a touch, a
   * copy put back) is not judged yet; those are returned, for `recheckChanged`
   */
  async checkAtStart (record: FileRecord): Promise<FileRecord | undefined> {
    if (record.location.kind === 'path' && record.changed == null && await this.components.store.contentStatus(record) === 'modified') return record
    await this.check(record, true)
    return undefined
  }

  /**
   * Hashes again files outside the repo whose stat changed while the node was down:
   * one whose every chunk still matches (and whose stat held during the pass) is
   * recorded with its new stat and served again; any other is withdrawn as `check` does
   */
  async recheckChanged (records: FileRecord[]): Promise<void> {
    for (const record of records) {
      try {
        await this.check(await this.rehashed(record) ?? record, true)
      } catch (err: any) {
        this.components.log('checking %s again failed: %s', record.fileId, err.message)
      }
    }
  }

  /** The record with the file's new stat when its content still hashes clean, else undefined */
  private async rehashed (record: FileRecord): Promise<FileRecord | undefined> {
    const { store, log } = this.components
    const { location } = record
    const stored = await store.get(record.fileId)
    if (location.kind !== 'path' || stored == null) return undefined
    const before = await stat(location.path).catch(() => undefined)
    if (before == null || before.size !== record.size) return undefined
    if ((await store.damagedChunks(stored)).length > 0) return undefined
    const after = await stat(location.path).catch(() => undefined)
    const now = { ...location, size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, dev: before.dev }
    if (after == null || pathChange(now, after) != null) return undefined
    log('%s changed stat on disk but hashes clean: served again', record.fileId)
    return store.setLocation(record.fileId, now)
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
  async markDamaged (fileId: string, chunk?: number): Promise<void> {
    if (this.marking.has(fileId)) return
    this.marking.add(fileId)
    try {
      const stored = await this.components.store.get(fileId)
      // a file shared in place is the user's: a chunk no longer matching is their change
      if (stored != null && sharedInPlace(stored.record) && stored.record.changed == null) {
        await this.markChanged(stored.record, { status: 'modified', reason: `${chunk == null ? 'a chunk' : `chunk ${chunk}`} no longer matches its hash` })
      }
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
    return { record, ...await this.check(record), damagedChunks }
  }

  /**
   * Fetches a damaged or missing shared file again from other providers (the DHT's,
   * never ourselves) into a temporary file that atomically replaces the blob once
   * verified; the node's `completed` keeps the record and provides the file again (or,
   * when the file was removed meanwhile, deletes the blob and keeps nothing). A
   * download outside the repo is the user's file: it is not rewritten (`get --force`
   * fetches it again).
   */
  private async repair (record: FileRecord): Promise<void> {
    const { transfers, log } = this.components
    if (record.location.kind !== 'blob' || transfers.get(record.fileId) != null) return
    // a check holding a record from before an `rm` (a listing, a serve session): nothing to repair
    if (!await this.components.store.has(record.fileId)) return
    log('repairing %s from the network', record.fileId)
    await transfers.start({ kind: 'file-id', fileId: parseFileId(record.fileId) }, { repair: true })
      .catch((err: Error) => { log('repair of %s could not start: %s', record.fileId, err.message) })
  }
}

/** A file this node shares from where it is on disk (a download's output keeps no offer details) */
function sharedInPlace (record: FileRecord): boolean {
  return record.location.kind === 'path' && record.details != null
}
