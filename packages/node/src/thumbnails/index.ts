/**
 * Thumbnails of shared files and collections: small WebP images (at most
 * MAX_THUMBNAIL_BYTES, fitting THUMBNAIL_DIMENSION), made with sharp from an image
 * that is shared (JPEG, PNG, WebP, GIF, AVIF, TIFF; never SVG) or that the user gave
 * with `--thumbnail`. Each is a content-addressed file of the node's store, named by
 * the offer's details (`details.thumbnail`) and marked with what it shows
 * (`thumbnailOf`), so peers fetch and verify it like any small file instead of
 * receiving it inline in gossip.
 *
 * Bounds: images declaring more than MAX_THUMBNAIL_INPUT_PIXELS are not decoded,
 * and rendering one gives up after THUMBNAIL_TIMEOUT_SECONDS. A shared image that
 * cannot be rendered is shared without a thumbnail; a `--thumbnail` that cannot is an
 * InvalidThumbnailError and nothing is shared.
 */
export { Thumbnails, type ThumbnailsComponents } from './thumbnail-files.js'
export { THUMBNAIL_SOURCE_TYPES, renderThumbnail } from './render.js'
