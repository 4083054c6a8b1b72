/**
 * The whole-file SHA-256 a browser download checks before it hands the file back. Every
 * chunk was hashed once already (verified against the manifest) by JavaScript SHA-256
 * on the page's main thread, the page's busiest resource while data arrives; hashing
 * the file a second time there as it grows doubled that work. A file of at most
 * ONE_SHOT_MAX_BYTES is instead hashed once at the end by the browser's native SHA-256
 * (crypto.subtle, which takes only whole buffers: the file is read into memory for
 * it). A larger file is hashed as its verified prefix grows (PrefixHasher), in
 * constant memory.
 */
import { PrefixHasher } from '@peershare/node/engine'
import type { Manifest } from '@peershare/protocol'
import type { ChunkData } from '@peershare/node/engine'

/** Largest file hashed in one piece by crypto.subtle at the end: the memory it takes for a moment */
export const ONE_SHOT_MAX_BYTES = 256 * 1024 * 1024

export interface WholeFileHash {
  /** Chunk `index` was verified and stored */
  add(index: number, data: ChunkData): Promise<void>
  /** Chunk `index` was found stored and verified (a resumed download) */
  addStored(index: number): Promise<void>
  /** The digest, once every chunk was added; `file` gives the whole file */
  digest(file: () => Promise<Blob>): Promise<Uint8Array>
}

/** The way to hash `manifest`'s file here: one shot for a small enough file where crypto.subtle exists */
export function wholeFileHash (manifest: Manifest, readBack: (index: number) => Promise<Uint8Array>): WholeFileHash {
  if (manifest.size <= ONE_SHOT_MAX_BYTES && globalThis.crypto?.subtle != null) return oneShot()
  const hasher = new PrefixHasher(manifest, readBack)
  return {
    add: async (index, data) => hasher.add(index, data),
    addStored: async index => hasher.addStored(index),
    digest: async () => hasher.digest()
  }
}

function oneShot (): WholeFileHash {
  return {
    add: async () => {},
    addStored: async () => {},
    digest: async file => new Uint8Array(await crypto.subtle.digest('SHA-256', await (await file()).arrayBuffer()))
  }
}
