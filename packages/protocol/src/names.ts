/**
 * The one sanitiser for file names that arrive from peers (offers, catalogs, the
 * paths of a collection). The result is a single path component that is safe to join
 * to a download directory on Linux, macOS and Windows.
 */
import { MAX_FILE_NAME_BYTES, MAX_NAME_BYTES } from './constants.js'
import { InvalidFileNameError } from './errors.js'

// Control characters (C0, DEL, C1), path separators and characters Windows forbids
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|]/g
// Bidirectional overrides and zero-width characters that disguise a name's extension
const DECEPTIVE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
const encoder = new TextEncoder()

/**
 * Returns a safe file name, replacing unsafe characters with `_`, or throws
 * InvalidFileNameError if nothing usable is left (empty, `.`, `..`). A long name is cut
 * on a character boundary to MAX_FILE_NAME_BYTES, keeping its extension, so the node's
 * temporary names beside it (`<name>.peershare-partial`) fit the file system too.
 */
export function sanitizeFileName (name: string): string {
  return sanitize(name, false, MAX_FILE_NAME_BYTES)
}

/**
 * The same rules for one segment of a path inside a collection, except that leading
 * dots and spaces stay: `.config` in a shared folder must come back as `.config`.
 * `.` and `..` still have nothing usable left (trailing dots go) and throw. A segment
 * may use all MAX_NAME_BYTES (a shared tree comes back as it was); temporary names
 * beside a long one are shortened (`siblingPath` in the node).
 */
export function sanitizePathSegment (segment: string): string {
  return sanitize(segment, true, MAX_NAME_BYTES)
}

function sanitize (name: string, keepLeading: boolean, maxBytes: number): string {
  let safe = name.normalize('NFC').replace(UNSAFE, '_').replace(DECEPTIVE, '')
  // leading dots would hide an offered file or walk up; trailing dots and spaces Windows
  // strips (checked after truncation, which can expose a trailing dot or space)
  if (!keepLeading) safe = safe.replace(/^[.\s]+/, '')
  safe = truncateUtf8(safe, maxBytes).replace(/[.\s]+$/, '')
  if (WINDOWS_RESERVED.test(safe)) safe = truncateUtf8(`_${safe}`, maxBytes).replace(/[.\s]+$/, '')
  if (safe.length === 0) {
    throw new InvalidFileNameError(`Unusable file name: ${JSON.stringify(name.slice(0, 80))}`)
  }
  return safe
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character, keeping the extension */
function truncateUtf8 (text: string, max: number): string {
  if (encoder.encode(text).byteLength <= max) return text
  const dot = text.lastIndexOf('.')
  const ext = dot > 0 && text.length - dot <= 16 ? text.slice(dot) : ''
  const budget = max - encoder.encode(ext).byteLength
  let out = ''
  let bytes = 0
  for (const ch of text.slice(0, text.length - ext.length)) {
    const n = encoder.encode(ch).byteLength
    if (bytes + n > budget) break
    out += ch
    bytes += n
  }
  return out.replace(/[.\s]+$/, '') + ext
}
