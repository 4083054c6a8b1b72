/**
 * Chunk compression on the wire (the provider's side; the downloader's is inflate.ts), negotiated per exchange session: the downloader's
 * Want lists the encodings it accepts, the provider's Offer names the one it will
 * use (or none), and each Chunk says whether its data is compressed. Only the wire
 * changes: ids, hashes and stored data are of the raw bytes, and the downloader
 * verifies a chunk after inflating it to exactly its known length.
 *
 * The provider compresses a chunk only when it pays: never for already-compressed
 * MIME types, and a chunk whose compressed form saves under `MIN_SAVING` goes raw.
 * A chunk's first `SAMPLE_BYTES` are compressed first: when they do not pay, the chunk
 * goes raw without compressing the rest (zstd took 3 to 8 ms for 1 MiB of random bytes,
 * 0.1 ms for 64 KiB, in the threadpool, ahead of each of a session's first chunks).
 * After `GIVE_UP_AFTER` such chunks in a row a session stops trying, and tries one
 * chunk in `RETRY_EVERY` again, so an incompressible file costs almost no CPU.
 * The platform compresses (node:zlib off the event loop; CompressionStream in a browser).
 */
import type { ChunkEncoding } from '@peershare/protocol'
import { platform } from '../platform/index.js'
import type { ChunkBytes } from '../store/chunk-readers.js'

/** A compressed chunk must be at least this much smaller than the raw one (fraction) */
export const MIN_SAVING = 0.05
/** Chunks in a row that did not pay before a session stops compressing */
export const GIVE_UP_AFTER = 4
/** Once given up, one chunk in this many is tried again (the file may change character) */
export const RETRY_EVERY = 32
/** The start of a chunk compressed to judge it, when the chunk is at least twice as long */
export const SAMPLE_BYTES = 64 * 1024


/**
 * The encoding a provider offers for a file: our first that the downloader accepts,
 * or undefined (all chunks raw) when off, not accepted, or the type is compressed already
 */
export function chooseEncoding (enabled: boolean, accept: ChunkEncoding[] | undefined, mimeType: string): ChunkEncoding | undefined {
  if (!enabled || accept == null || alreadyCompressed(mimeType)) return undefined
  return platform.compressEncodings.find(e => accept.includes(e))
}

/** Image types that are not compressed inside (the others, jpeg/png/webp/avif/gif..., are) */
const COMPRESSIBLE_IMAGES = new Set(['image/svg+xml', 'image/bmp', 'image/x-ms-bmp', 'image/tiff', 'image/x-icon', 'image/vnd.microsoft.icon', 'image/x-portable-pixmap'])

/** Containers whose content is compressed already (zip-based office and book formats included) */
const COMPRESSED_APPLICATIONS = new Set([
  'application/zip', 'application/gzip', 'application/x-gzip', 'application/x-7z-compressed', 'application/vnd.rar',
  'application/x-rar-compressed', 'application/x-xz', 'application/zstd', 'application/x-zstd', 'application/x-bzip2',
  'application/x-bzip', 'application/x-compress', 'application/x-lzip', 'application/x-lzma', 'application/java-archive',
  'application/epub+zip', 'application/vnd.android.package-archive', 'application/x-apple-diskimage'
])

/**
 * True for types whose bytes are compressed already: video, audio, most images,
 * archives, fonts in woff, zip-based documents. (PDF is not here: its streams are
 * mostly deflated, but text and cross-reference parts are not; the per-session give-up
 * decides it chunk by chunk.)
 */
export function alreadyCompressed (mimeType: string): boolean {
  const type = mimeType.split(';')[0].trim().toLowerCase()
  if (type.startsWith('video/') || type.startsWith('audio/')) return true
  if (type.startsWith('image/')) return !COMPRESSIBLE_IMAGES.has(type)
  if (type === 'font/woff' || type === 'font/woff2') return true
  if (type.startsWith('application/vnd.openxmlformats-officedocument.') || type.startsWith('application/vnd.oasis.opendocument.')) return true
  return COMPRESSED_APPLICATIONS.has(type)
}

/** What one provider session sent: content bytes, bytes of chunk data on the wire, and chunks sent compressed */
export interface CompressionStats {
  contentBytes: number
  wireBytes: number
  compressedChunks: number
  /** parts of chunks sent (a downloader's last chunks, split among its sources) */
  parts: number
}

export function emptyStats (): CompressionStats {
  return { contentBytes: 0, wireBytes: 0, compressedChunks: 0, parts: 0 }
}

/** One session's compressor: decides chunk by chunk whether compressing pays */
export class ChunkCompressor {
  private misses = 0
  private skipped = 0

  /** `stats` is the session's figures, added to as chunks go out */
  constructor (readonly encoding: ChunkEncoding | undefined, readonly stats: CompressionStats = emptyStats()) {}

  /** The bytes to send for `data`, and whether they are compressed */
  async encode (data: ChunkBytes): Promise<{ data: ChunkBytes, compressed: boolean }> {
    const out = await this.tryCompress(data)
    this.stats.contentBytes += data.byteLength
    this.stats.wireBytes += (out ?? data).byteLength
    if (out == null) return { data, compressed: false }
    this.stats.compressedChunks++
    return { data: out, compressed: true }
  }

  /** `data` sent as it is, uncompressed (a part of a chunk), counted in the figures */
  raw (data: ChunkBytes): { data: ChunkBytes, compressed: false } {
    this.stats.contentBytes += data.byteLength
    this.stats.wireBytes += data.byteLength
    this.stats.parts++
    return { data, compressed: false }
  }

  /** Takes back the figures of an encoded chunk that was dropped unsent (cancelled) */
  retract (rawBytes: number, wireBytes: number, compressed: boolean, part = false): void {
    this.stats.contentBytes -= rawBytes
    this.stats.wireBytes -= wireBytes
    if (compressed) this.stats.compressedChunks--
    if (part) this.stats.parts--
  }

  private async tryCompress (data: ChunkBytes): Promise<Uint8Array | undefined> {
    if (this.encoding == null || data.byteLength === 0) return undefined
    if (this.misses >= GIVE_UP_AFTER && ++this.skipped % RETRY_EVERY !== 0) return undefined
    // a long chunk whose start does not compress goes raw without compressing the rest
    const worthTrying = data.byteLength < 2 * SAMPLE_BYTES || await this.paying(this.encoding, data.subarray(0, SAMPLE_BYTES)) != null
    // compressed as one buffer: a read's pieces are joined only when the sample paid
    const out = worthTrying ? await this.paying(this.encoding, data.subarray()) : undefined
    if (out == null) this.misses++
    else this.misses = 0
    return out
  }

  /** `data` compressed, if that saves at least MIN_SAVING */
  private async paying (encoding: ChunkEncoding, data: Uint8Array): Promise<Uint8Array | undefined> {
    const out = await platform.compress(encoding, data)
    return out.byteLength <= data.byteLength * (1 - MIN_SAVING) ? out : undefined
  }
}
