/**
 * Chunk data as it arrives: one buffer, or the list of pieces the stream delivered
 * (kept apart to avoid copying a megabyte per chunk). Hashing and writing work on the
 * pieces directly.
 */
import { type Manifest, chunkLength } from '@peershare/protocol'
import type { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { platform } from '../platform/index.js'

export type ChunkData = Uint8Array | Uint8ArrayList

export function piecesOf (data: ChunkData): Uint8Array[] {
  return data instanceof Uint8Array ? [data] : [...data]
}

/** True when `data` is exactly chunk `index` of the manifest's file (length and SHA-256) */
export function chunkMatches (manifest: Manifest, index: number, data: ChunkData): boolean {
  if (!lengthMatches(manifest, index, data)) return false
  const hash = platform.sha256()
  for (const piece of piecesOf(data)) hash.update(piece)
  return equals(hash.digest(), manifest.chunkHashes[index])
}

/**
 * `chunkMatches`, hashed by the platform's one-shot SHA-256: in a browser, natively and
 * off the page's main thread, which is otherwise busy hashing in JavaScript while data arrives
 */
export async function chunkVerified (manifest: Manifest, index: number, data: ChunkData): Promise<boolean> {
  if (!lengthMatches(manifest, index, data)) return false
  return equals(await platform.sha256Digest(piecesOf(data)), manifest.chunkHashes[index])
}

/** True when `data` has the length of chunk `index` of the manifest's file (and there is such a chunk) */
export function lengthMatches (manifest: Manifest, index: number, data: ChunkData): boolean {
  return index >= 0 && index < manifest.chunkHashes.length && data.byteLength === chunkLength(manifest, index)
}
