/**
 * The platform in Node: node:crypto's SHA-256 (native, fastest here) and node:zlib,
 * which compresses and inflates in libuv's threadpool, off the event loop. Contract: index.ts.
 */
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { ChunkEncoding } from '@peershare/protocol'

const zstdCompress = promisify(zlib.zstdCompress ?? (() => {}))
const zstdDecompress = promisify(zlib.zstdDecompress ?? (() => {}))
const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)

export const platform = {
  sha256: () => createHash('sha256'),
  /** node:crypto hashes a chunk faster than a round trip to the threadpool would cost: done here, at once */
  async sha256Digest (pieces: readonly Uint8Array[]): Promise<Uint8Array> {
    const hash = createHash('sha256')
    for (const piece of pieces) hash.update(piece)
    return hash.digest()
  },
  inflateEncodings: (typeof zlib.zstdDecompress === 'function' ? ['zstd', 'gzip'] : ['gzip']) as readonly ChunkEncoding[],
  async inflate (encoding: ChunkEncoding, data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    const options = { maxOutputLength: Math.max(1, maxBytes) }
    return encoding === 'zstd' ? await zstdDecompress(data, options) : await gunzip(data, options)
  },
  /** zstd is faster and smaller than gzip at like settings */
  compressEncodings: (typeof zlib.zstdCompress === 'function' ? ['zstd', 'gzip'] : ['gzip']) as readonly ChunkEncoding[],
  async compress (encoding: ChunkEncoding, data: Uint8Array): Promise<Uint8Array> {
    if (encoding === 'zstd') return zstdCompress(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } })
    return gzip(data, { level: 5 })
  }
}
