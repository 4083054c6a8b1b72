/**
 * The platform in Node: node:crypto's SHA-256 (native, fastest here) and node:zlib,
 * which inflates in libuv's threadpool, off the event loop. Contract: index.ts.
 */
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { ChunkEncoding } from '@peershare/protocol'

const zstdDecompress = promisify(zlib.zstdDecompress ?? (() => {}))
const gunzip = promisify(zlib.gunzip)

export const platform = {
  sha256: () => createHash('sha256'),
  inflateEncodings: (typeof zlib.zstdDecompress === 'function' ? ['zstd', 'gzip'] : ['gzip']) as readonly ChunkEncoding[],
  async inflate (encoding: ChunkEncoding, data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    const options = { maxOutputLength: Math.max(1, maxBytes) }
    return encoding === 'zstd' ? await zstdDecompress(data, options) : await gunzip(data, options)
  }
}
