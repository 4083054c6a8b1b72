/**
 * Chunk verification: chunk bytes are checked against the hash in a manifest that was
 * itself verified against the file id, never against a hash the sender supplies.
 */
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { ChunkVerificationError } from './errors.js'
import { chunkLength, type Manifest } from './manifest.js'

/** True when `data` is exactly chunk `index` of the file `manifest` describes */
export async function isValidChunk (manifest: Manifest, index: number, data: Uint8Array): Promise<boolean> {
  if (!Number.isInteger(index) || index < 0 || index >= manifest.chunkHashes.length) return false
  if (data.byteLength !== chunkLength(manifest, index)) return false
  const digest = await sha256.digest(data)
  return equals(digest.digest, manifest.chunkHashes[index])
}

/** Throws ChunkVerificationError unless `data` is chunk `index` */
export async function verifyChunk (manifest: Manifest, index: number, data: Uint8Array): Promise<void> {
  if (!(await isValidChunk(manifest, index, data))) {
    throw new ChunkVerificationError(`Chunk ${index} does not match the manifest`)
  }
}
