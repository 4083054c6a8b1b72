/**
 * The platform in a browser: @noble/hashes' incremental SHA-256 (Web Crypto hashes only
 * whole buffers), Web Crypto's SHA-256 for a whole chunk (native, and run off the page's
 * main thread; only in a secure context, else @noble/hashes) and the Compression Streams API (inflation read piece by piece so a
 * bomb stops at the limit). zstd is accepted only where the browser's DecompressionStream knows it.
 * Contract: index.ts.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { ChunkEncoding } from '@peershare/protocol'

function decompresses (format: string): boolean {
  try {
    new DecompressionStream(format as CompressionFormat)
    return true
  } catch {
    return false
  }
}

export const platform = {
  sha256: () => sha256.create(),
  sha256Digest,
  inflateEncodings: (decompresses('zstd') ? ['zstd', 'gzip'] : ['gzip']) as readonly ChunkEncoding[],
  inflate,
  /** gzip only: CompressionStream has no zstd in today's browsers */
  compressEncodings: ['gzip'] as readonly ChunkEncoding[],
  compress: async (_encoding: ChunkEncoding, data: Uint8Array): Promise<Uint8Array> => {
    const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'))
    return new Uint8Array(await new Response(stream).arrayBuffer())
  }
}

/** crypto.subtle where the page has it (https, or http on localhost), one buffer of the pieces */
async function sha256Digest (pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  if (globalThis.crypto?.subtle == null) {
    const hash = sha256.create()
    for (const piece of pieces) hash.update(piece)
    return hash.digest()
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(pieces)))
}

/** The pieces as one buffer: a copy only when there are several */
function concat (pieces: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  if (pieces.length === 1) return pieces[0] as Uint8Array<ArrayBuffer>
  let length = 0
  for (const piece of pieces) length += piece.byteLength
  const out = new Uint8Array(length)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.byteLength
  }
  return out
}

/** Inflates through DecompressionStream; stops reading once past `maxBytes` */
async function inflate (encoding: ChunkEncoding, data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(encoding as CompressionFormat))
  const reader = stream.getReader()
  const pieces: Uint8Array[] = []
  let length = 0
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      pieces.push(value)
      length += value.byteLength
      if (length > maxBytes) break
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  return concat(pieces)
}
