/**
 * What the exchange client and server and the download engine need from the platform
 * they run on, so the same code runs in Node and in a browser: an incremental SHA-256,
 * a one-shot SHA-256 of a chunk, and compressing and inflating chunks. The implementation is chosen when the code is
 * resolved, by the `#platform` import's conditions in package.json: `node.ts`
 * (node:crypto and node:zlib, off the event loop) by default, `browser.ts`
 * (@noble/hashes, Compression Streams) for a bundler's `browser` condition.
 */
import type { ChunkEncoding } from '@peershare/protocol'
import { platform as chosen } from '#platform'

/** An incremental SHA-256: feed it pieces, then take the digest once */
export interface Sha256Hash {
  update(data: Uint8Array): void
  digest(): Uint8Array
}

export interface Platform {
  /** A fresh incremental SHA-256 */
  sha256(): Sha256Hash
  /**
   * The SHA-256 of `pieces` taken together, in one call: where the platform has a
   * native hash that runs off the JavaScript thread (the browser's crypto.subtle),
   * the caller's thread is free meanwhile
   */
  sha256Digest(pieces: readonly Uint8Array[]): Promise<Uint8Array>
  /** The chunk encodings `inflate` handles, best first (what a downloader accepts) */
  readonly inflateEncodings: readonly ChunkEncoding[]
  /**
   * Inflates `data`; never produces more than `maxBytes` (a bomb stops there: the
   * result is then longer than any expected length, or it throws). Throws on bad data.
   */
  inflate(encoding: ChunkEncoding, data: Uint8Array, maxBytes: number): Promise<Uint8Array>
  /** The chunk encodings `compress` produces, best first (what a provider may offer) */
  readonly compressEncodings: readonly ChunkEncoding[]
  /** Compresses a chunk for the wire */
  compress(encoding: ChunkEncoding, data: Uint8Array): Promise<Uint8Array>
}

/** The implementation for where this code runs */
export const platform: Platform = chosen
