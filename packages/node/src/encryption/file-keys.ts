/**
 * The file keys this node holds: those of files it encrypted, and those granted to
 * it and unwrapped. fileId -> { key, from, added } under `/peershare/file-keys/<id>`,
 * in the repo's datastore (owner-only files, like the node's identity key, which
 * protects them equally: doc/SECURITY.md). A record that does not decode is set aside
 * (quarantined): the file then reads as one without a key, never as a wrong key.
 */
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { getIfPresent } from '../datastore-read.js'
import type { Quarantine } from '../records/index.js'
import { finite, jsonObject, string } from '../records/check.js'
import type { ManifestEncryption } from '@peershare/protocol'
import { FILE_KEY_LENGTH, fileCipher, openMetadata } from './file-cipher.js'

const PREFIX = '/peershare/file-keys'

export interface HeldFileKey {
  /** the 32-byte file key */
  key: Uint8Array
  /** 'self' for a file this node encrypted, else the peer id that granted it */
  from: string
  /** unix ms the node got the key */
  added: number
}

export class FileKeys {
  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine) {}

  /** The key of `fileId`, or undefined when this node holds none (or its record was bad and set aside) */
  async get (fileId: string): Promise<HeldFileKey | undefined> {
    const key = new Key(`${PREFIX}/${fileId}`)
    const bytes = await getIfPresent(this.datastore, key)
    if (bytes == null) return undefined
    try {
      return checkHeldKey(jsonObject(bytes))
    } catch (err: any) {
      await this.quarantine.setAside([key], `file key ${fileId}: ${err.message}`)
      return undefined
    }
  }

  /**
   * The key of `fileId` checked against the file's (verified) `encryption`: a granted key
   * that does not open its sealed metadata is dropped and undefined returned, since it
   * came from a peer lying about the file before the manifest was known, and must give
   * way to a real grant. This node's own key is returned as it is.
   */
  async opening (fileId: string, encryption: ManifestEncryption): Promise<HeldFileKey | undefined> {
    const held = await this.get(fileId)
    if (held == null || held.from === 'self') return held
    try {
      openMetadata(fileCipher(held.key, encryption.salt), encryption)
      return held
    } catch {
      await this.delete(fileId)
      return undefined
    }
  }

  async has (fileId: string): Promise<boolean> {
    return (await this.get(fileId)) != null
  }

  /** Keeps the key of `fileId`; a key already held is kept as it is (the first one stays) */
  async put (fileId: string, held: HeldFileKey): Promise<void> {
    if (held.key.byteLength !== FILE_KEY_LENGTH) throw new TypeError(`A file key is ${FILE_KEY_LENGTH} bytes`)
    if (await this.has(fileId)) return
    const json = { key: uint8ArrayToString(held.key, 'base64'), from: held.from, added: held.added }
    await this.datastore.put(new Key(`${PREFIX}/${fileId}`), uint8ArrayFromString(JSON.stringify(json)))
  }

  async delete (fileId: string): Promise<void> {
    await this.datastore.delete(new Key(`${PREFIX}/${fileId}`))
  }
}

function checkHeldKey (fields: Record<string, unknown>): HeldFileKey {
  const key = uint8ArrayFromString(string(fields.key, 'key', 64), 'base64')
  if (key.byteLength !== FILE_KEY_LENGTH) throw new Error(`key is not ${FILE_KEY_LENGTH} bytes`)
  return { key, from: string(fields.from, 'from', 128), added: finite(fields.added, 'added') }
}
