/**
 * A small encrypted file put straight into a node's store, with its key in the node's
 * FileKeys: what an encrypted share leaves behind, built from the encryption
 * primitives, so the key tests run before the encrypted share (another part of issue
 * 10) lands. When merging, the lead may switch these tests to `share --to`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { MANIFEST_VERSION, MIN_CHUNK_SIZE, encodeManifest, fileIdOf, formatFileId, type Manifest } from '@peershare/protocol'
import { encryptChunk, fileCipher, newFileKey, newSalt, sealMetadata } from '../src/encryption/index.js'
import type { PeershareNode } from '../src/index.js'
import { blobRecord } from '../src/store/file-record.js'

export interface EncryptedFile {
  fileId: string
  key: Uint8Array
  name: string
  plaintext: Uint8Array
  manifest: Manifest
}

function sha256 (data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/** Encrypts `size` random bytes (one chunk) named `name` into `node`'s store; keeps the key unless `withoutKey` */
export async function storeEncryptedFile (node: PeershareNode, name: string, options: { size?: number, withoutKey?: boolean } = {}): Promise<EncryptedFile> {
  const plaintext = new Uint8Array(randomBytes(options.size ?? 3000))
  const key = newFileKey()
  const cipher = fileCipher(key, newSalt())
  const chunk = encryptChunk(cipher, 0, 1, plaintext)
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    size: chunk.byteLength,
    chunkSize: MIN_CHUNK_SIZE,
    chunkHashes: [sha256(chunk)],
    sha256: sha256(chunk),
    encryption: sealMetadata(cipher, { name, mimeType: 'text/plain', size: plaintext.byteLength, sha256: sha256(plaintext) })
  }
  const fileId = formatFileId(await fileIdOf(manifest))
  await writeFile(node.store.blobPath(fileId), chunk)
  // peers see no name for an encrypted file: the sealed metadata carries it
  await node.store.put(blobRecord(fileId, manifest, { name: fileId, mimeType: 'application/octet-stream', description: '', tags: [], created: 0 }), encodeManifest(manifest))
  if (options.withoutKey !== true) await node.fileKeys.put(fileId, { key, from: 'self', added: Date.now() })
  return { fileId, key, name, plaintext, manifest }
}
