/**
 * Rendering a thumbnail with sharp (libvips, prebuilt): decode once within the pixel
 * limit and the time limit, scale to fit THUMBNAIL_DIMENSION, then encode WebP at
 * falling quality (and at half the size if need be) until it fits MAX_THUMBNAIL_BYTES.
 */
import {
  MAX_THUMBNAIL_BYTES,
  MAX_THUMBNAIL_INPUT_PIXELS,
  THUMBNAIL_DIMENSION,
  THUMBNAIL_TIMEOUT_SECONDS
} from '@peershare/protocol'
import type { Sharp, SharpOptions } from 'sharp'
import { InvalidThumbnailError } from '../errors.js'

/** MIME types of the images a thumbnail is made from (SVG is not: rendering it would run a vector renderer on peer-made files) */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'])
/** the same formats as sharp names them (it calls AVIF heif) */
const DECODED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff'])
const QUALITIES = [80, 65, 50, 35, 20]

type SharpFactory = (input?: string | Buffer, options?: SharpOptions) => Sharp
let loading: Promise<SharpFactory> | undefined

/** sharp, loaded on first use: a node that never shares an image never loads libvips */
async function loadSharp (): Promise<SharpFactory> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // no operation cache: thumbnails are made once each, and the cache would hold decoded images
    sharp.cache(false)
    return sharp
  })
  return loading
}

/**
 * The WebP thumbnail of the image at `path`. Throws InvalidThumbnailError for anything
 * that is not a JPEG, PNG, WebP, GIF, AVIF or TIFF the node can decode within its limits.
 */
export async function renderThumbnail (path: string): Promise<Uint8Array> {
  const sharp = await loadSharp()
  const input: SharpOptions = { limitInputPixels: MAX_THUMBNAIL_INPUT_PIXELS, failOn: 'error' }
  try {
    // the header alone: the format and size are checked before any pixel is decoded
    const { format, width = 0, height = 0 } = await sharp(path, input).metadata()
    if (format == null || !DECODED_FORMATS.has(format)) throw new InvalidThumbnailError(`${path}: not a JPEG, PNG, WebP, GIF, AVIF or TIFF image (${format ?? 'unknown format'})`)
    if (width * height > MAX_THUMBNAIL_INPUT_PIXELS) throw new InvalidThumbnailError(`${path}: ${width} × ${height} pixels, more than the ${MAX_THUMBNAIL_INPUT_PIXELS} a thumbnail is made from`)
    for (const side of [THUMBNAIL_DIMENSION, THUMBNAIL_DIMENSION / 2]) {
      const scaled = await sharp(path, input).autoOrient().resize(side, side, { fit: 'inside', withoutEnlargement: true })
        .timeout({ seconds: THUMBNAIL_TIMEOUT_SECONDS }).raw().toBuffer({ resolveWithObject: true })
      const raw = { width: scaled.info.width, height: scaled.info.height, channels: scaled.info.channels }
      for (const quality of QUALITIES) {
        const webp = await sharp(scaled.data, { raw }).webp({ quality }).toBuffer()
        if (webp.byteLength <= MAX_THUMBNAIL_BYTES) return new Uint8Array(webp.buffer, webp.byteOffset, webp.byteLength)
      }
    }
    throw new InvalidThumbnailError(`${path}: no thumbnail of it fits ${MAX_THUMBNAIL_BYTES} bytes`)
  } catch (err: any) {
    if (err instanceof InvalidThumbnailError) throw err
    throw new InvalidThumbnailError(`${path}: not an image the node can decode (${String(err?.message ?? err).split('\n')[0]})`)
  }
}
