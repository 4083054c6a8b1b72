/**
 * What a shared file's offer says about it beyond its bytes, worked out at share time:
 * the MIME type from the content (magic bytes first, the name's extension second), the
 * category, and the original's times. No I/O: callers hand in the head of the file they
 * read anyway (share.ts copies the file once and keeps its first bytes) and its stat.
 *
 * Thumbnails, which need an image decoder, are in `../thumbnails/`.
 */
export { SNIFF_BYTES, detectMimeType } from './content-type.js'
export { type OriginalTimes, originalTimes } from './file-times.js'
export { chooseCategory, dominantCategory } from './category.js'
