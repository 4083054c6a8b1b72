/**
 * Download state that survives a restart, under `/peershare/transfers/<file id>` in
 * the datastore: what is being fetched, to where, with which options, from whom, and
 * the verified-chunk bitfield (written only after the chunks it lists are synced).
 * A download whose manifest no source has given yet has a record and no manifest.
 */
import { Key, type Datastore } from 'interface-datastore'
import type { FileMetadata, Priority } from '@peershare/protocol'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'

export type TransferState = 'running' | 'paused'

export interface TransferRecord {
  fileId: string
  /** where the file goes; set once the manifest and the offered name are known */
  output?: string
  partialPath?: string
  metadata?: FileMetadata
  /** what the user asked for, to resolve `output` when the manifest arrives */
  destination?: { output?: string, cwd?: string, force?: boolean, repo?: boolean }
  /** fetch chunks in order: the file is read as it arrives (`get -o -`) */
  inOrder?: boolean
  priority: Priority
  state: TransferState
  /** peers (multiaddrs with /p2p/, or bare peer ids) that served or offered the file */
  sources: string[]
  created: number
}

export interface SavedTransfer {
  record: TransferRecord
  /** absent while no source has given the manifest */
  manifestBytes?: Uint8Array
  verified: Uint8Array
}

const PREFIX = '/peershare/transfers'

export class TransferStore {
  constructor (private readonly datastore: Datastore) {}

  async save (record: TransferRecord, manifestBytes?: Uint8Array): Promise<void> {
    if (manifestBytes != null) await this.datastore.put(new Key(`${PREFIX}/${record.fileId}/manifest`), manifestBytes)
    await this.datastore.put(new Key(`${PREFIX}/${record.fileId}/record`), uint8ArrayFromString(JSON.stringify(record)))
  }

  async saveVerified (fileId: string, verified: Uint8Array): Promise<void> {
    await this.datastore.put(new Key(`${PREFIX}/${fileId}/verified`), verified)
  }

  async all (): Promise<SavedTransfer[]> {
    const out: SavedTransfer[] = []
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      if (!key.toString().endsWith('/record')) continue
      const record = JSON.parse(uint8ArrayToString(value)) as TransferRecord
      const manifestKey = new Key(`${PREFIX}/${record.fileId}/manifest`)
      const manifestBytes = (await this.datastore.has(manifestKey)) ? await this.datastore.get(manifestKey) : undefined
      const verifiedKey = new Key(`${PREFIX}/${record.fileId}/verified`)
      const verified = (await this.datastore.has(verifiedKey)) ? await this.datastore.get(verifiedKey) : new Uint8Array(0)
      out.push({ record, manifestBytes, verified })
    }
    return out
  }

  async delete (fileId: string): Promise<void> {
    for (const part of ['record', 'manifest', 'verified']) await this.datastore.delete(new Key(`${PREFIX}/${fileId}/${part}`))
  }
}
