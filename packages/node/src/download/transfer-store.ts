/**
 * Download state that survives a restart, under `/peershare/transfers/<file id>` in
 * the datastore: what is being fetched, to where, with which options, from whom, and
 * the verified-chunk bitfield (written only after the chunks it lists are synced).
 * A download whose manifest no source has given yet has a record and no manifest.
 * Read back defensively: a download whose record or manifest is not valid is set
 * aside (quarantined) and skipped.
 */
import { Key, type Datastore } from 'interface-datastore'
import { type FileMetadata, type Manifest, type Priority, parseFileId, verifyManifest } from '@peershare/protocol'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { getIfPresent } from '../datastore-read.js'
import { InOrder } from '../in-order.js'
import type { CopyDestination } from './download-copies.js'
import { type Quarantine, checkTransferRecord, jsonObject } from '../records/index.js'

export type TransferState = 'running' | 'paused'

export interface TransferRecord {
  fileId: string
  /** where the file goes; set once the manifest and the offered name are known */
  output?: string
  partialPath?: string
  metadata?: FileMetadata
  /** what the user asked for, to resolve `output` when the manifest arrives */
  destination?: { output?: string, cwd?: string, force?: boolean, repo?: boolean }
  /**
   * an encrypted file downloaded to be read: its ciphertext goes to `output` (the repo's
   * blob, served to others), its plaintext, decrypted at the end, to `decrypt.output`
   * under the sealed `decrypt.name`; set with the manifest, once the key opened it
   */
  decrypt?: { output: string, name: string }
  /** fetch chunks in order: the file is read as it arrives (`get -o -`) */
  inOrder?: boolean
  priority: Priority
  state: TransferState
  /** why a paused download stopped by itself: `disk-full` resumes when asked once there is room */
  reason?: 'disk-full'
  /** peers (multiaddrs with /p2p/, or bare peer ids) that served or offered the file */
  sources: string[]
  /** the size the manifest must give (`StartOptions.size`), else the download fails before writing */
  expectedSize?: number
  /** fetched from `sources` only (`StartOptions.onlyFrom`): no DHT lookup, no peers that ask for the file */
  fixedSources?: true
  /** fetched again into the blob of a stored file (`StartOptions.repair`): kept only while the file still is */
  repair?: true
  /** where starts that joined it want the file too: copied there once complete (download-copies.ts) */
  copies?: CopyDestination[]
  created: number
}

export interface SavedTransfer {
  record: TransferRecord
  /** absent while no source has given the manifest; verified against the file id */
  manifest?: { manifest: Manifest, bytes: Uint8Array }
  /** the verified-chunk bitfield; absent before the first checkpoint */
  verified?: Uint8Array
}

const PREFIX = '/peershare/transfers'
/** Ended downloads remembered to refuse late saves of (`TransferStore.ended`) */
const MAX_ENDED = 4096

export class TransferStore {
  /** LevelDB runs writes under way at once in either order (in-order.ts): a download's land as asked */
  private readonly writes = new InOrder()
  /**
   * Downloads whose state was deleted (completed or cancelled), until one of the same file
   * begins: a save asked for afterwards (a source remembered, a checkpoint, a take-over,
   * from a callback that outlived the download) would bring it back at the next start.
   * The oldest go past MAX_ENDED: such saves come within moments of the end.
   */
  private readonly ended = new Set<string>()

  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine) {}

  /** Saves the record, with the manifest in the same write when given (one round trip to LevelDB, both or neither) */
  async save (record: TransferRecord, manifestBytes?: Uint8Array): Promise<void> {
    if (this.ended.has(record.fileId)) return
    const batch = this.datastore.batch()
    if (manifestBytes != null) batch.put(new Key(`${PREFIX}/${record.fileId}/manifest`), manifestBytes)
    // serialised now: the record may change before the write's turn comes
    batch.put(new Key(`${PREFIX}/${record.fileId}/record`), uint8ArrayFromString(JSON.stringify(record)))
    await this.writes.run(async () => batch.commit())
  }

  /**
   * Saves a new download's record, and removes any manifest or verified list an earlier
   * download of the same file left (a kill while its state was deleted, by an older
   * build): a kill before this one's first checkpoint must leave no list to trust
   */
  async begin (record: TransferRecord): Promise<void> {
    this.ended.delete(record.fileId)
    const batch = this.datastore.batch()
    batch.delete(this.key(record.fileId, 'manifest'))
    batch.delete(this.key(record.fileId, 'verified'))
    batch.put(this.key(record.fileId, 'record'), uint8ArrayFromString(JSON.stringify(record)))
    await this.writes.run(async () => batch.commit())
  }

  async saveVerified (fileId: string, verified: Uint8Array): Promise<void> {
    if (this.ended.has(fileId)) return
    await this.writes.run(async () => { await this.datastore.put(new Key(`${PREFIX}/${fileId}/verified`), verified) })
  }

  /**
   * Every saved download that decodes; the others are set aside. Parts no record names
   * (left by a kill while an older build deleted them one by one) are removed.
   */
  async all (): Promise<SavedTransfer[]> {
    const out: SavedTransfer[] = []
    const ids = new Set<string>()
    const parts: Key[] = []
    for await (const key of this.datastore.queryKeys({ prefix: PREFIX })) {
      if (key.name() === 'record') ids.add(key.parent().name())
      else parts.push(key)
    }
    const orphans = parts.filter(key => !ids.has(key.parent().name()))
    if (orphans.length > 0) await this.remove(orphans)
    for (const fileId of ids) {
      try {
        out.push(await this.load(fileId))
      } catch (err: any) {
        await this.quarantine.setAside(this.keys(fileId), `download ${fileId}: ${err.message}`)
      }
    }
    return out
  }

  private async load (fileId: string): Promise<SavedTransfer> {
    // at once: each read waits its turn on the threadpool
    const [recordBytes, manifestBytes, verified] = await Promise.all([
      this.datastore.get(this.key(fileId, 'record')),
      getIfPresent(this.datastore, this.key(fileId, 'manifest')),
      getIfPresent(this.datastore, this.key(fileId, 'verified'))
    ])
    const record = checkTransferRecord(jsonObject(recordBytes), fileId)
    // a crash before both the manifest and the record naming the partial file were saved (the record may claim it already): the manifest is taken again from a source
    if (manifestBytes == null || record.partialPath == null || record.output == null || record.metadata == null) return { record, verified }
    const manifest = await verifyManifest(parseFileId(fileId), manifestBytes)
    return { record, manifest: { manifest, bytes: manifestBytes }, verified }
  }

  private key (fileId: string, part: string): Key {
    return new Key(`${PREFIX}/${fileId}/${part}`)
  }

  private keys (fileId: string): Key[] {
    return ['record', 'manifest', 'verified'].map(part => this.key(fileId, part))
  }

  /** Deletes a download's state in one write: a kill leaves all of it or none */
  async delete (fileId: string): Promise<void> {
    this.ended.delete(fileId)
    this.ended.add(fileId)
    if (this.ended.size > MAX_ENDED) this.ended.delete(this.ended.values().next().value as string)
    await this.remove(this.keys(fileId))
  }

  private async remove (keys: Key[]): Promise<void> {
    const batch = this.datastore.batch()
    for (const key of keys) batch.delete(key)
    await this.writes.run(async () => batch.commit())
  }
}
