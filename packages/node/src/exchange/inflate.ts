/**
 * The downloader's side of chunk compression (see compression.ts for the provider's):
 * the encodings its Want accepts, and inflating a compressed chunk to exactly the
 * length the verified manifest gives, with the platform's inflater (Node or browser).
 */
import type { ChunkEncoding } from '@peershare/protocol'
import { platform } from '../platform/index.js'

/** The data of a compressed chunk does not inflate to exactly the chunk's length */
export class BadCompressedChunkError extends Error {
  static override name = 'BadCompressedChunkError'
  override name = 'BadCompressedChunkError'
}

/** What a downloader puts in its Want: every encoding we can inflate, or none when compression is off */
export function acceptedEncodings (enabled: boolean): ChunkEncoding[] {
  return enabled ? [...platform.inflateEncodings] : []
}

/**
 * Inflates a compressed chunk: never more than `length` bytes are produced (a bomb
 * stops there), and anything but exactly `length` is BadCompressedChunkError
 */
export async function decompressChunk (encoding: ChunkEncoding, data: Uint8Array, length: number): Promise<Uint8Array> {
  let out: Uint8Array
  try {
    out = await platform.inflate(encoding, data, length)
  } catch (err: any) {
    throw new BadCompressedChunkError(`Compressed chunk does not inflate to ${length} bytes: ${err.code ?? err.message}`)
  }
  if (out.byteLength !== length) throw new BadCompressedChunkError(`Compressed chunk inflates to ${out.byteLength} bytes, not ${length}`)
  return out
}
