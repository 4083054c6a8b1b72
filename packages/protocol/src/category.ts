/**
 * Offer categories: a small fixed set a browser can list and count, derived from the
 * MIME type unless the sharer chose one (`--category`).
 */
import { InvalidMessageError } from './errors.js'

export const CATEGORIES = ['video', 'audio', 'image', 'document', 'archive', 'software', 'other'] as const
export type Category = typeof CATEGORIES[number]

export function isCategory (value: unknown): value is Category {
  return typeof value === 'string' && (CATEGORIES as readonly string[]).includes(value)
}

/** A category named by a user or a peer; throws InvalidMessageError for anything else */
export function parseCategory (value: string): Category {
  const lower = value.trim().toLowerCase()
  if (!isCategory(lower)) throw new InvalidMessageError(`Unknown category "${value}": one of ${CATEGORIES.join(', ')}`)
  return lower
}

const ARCHIVES = new Set([
  'application/zip', 'application/gzip', 'application/x-gzip', 'application/x-tar', 'application/x-bzip2',
  'application/x-xz', 'application/x-7z-compressed', 'application/vnd.rar', 'application/x-rar-compressed',
  'application/zstd', 'application/x-lzip', 'application/x-lzma', 'application/x-compress', 'application/x-iso9660-image'
])
const SOFTWARE = new Set([
  'application/x-msdownload', 'application/x-dosexec', 'application/x-executable', 'application/x-elf',
  'application/x-sharedlib', 'application/x-mach-binary', 'application/vnd.microsoft.portable-executable',
  'application/vnd.android.package-archive', 'application/x-apple-diskimage', 'application/x-deb',
  'application/vnd.debian.binary-package', 'application/x-rpm', 'application/x-msi', 'application/wasm',
  'application/java-archive', 'application/x-sh', 'application/x-shellscript'
])
const DOCUMENTS = new Set([
  'application/pdf', 'application/epub+zip', 'application/rtf', 'application/msword', 'application/json',
  'application/xml', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation', 'application/x-mobipocket-ebook'
])

/** The category a MIME type falls in (parameters such as `; charset=` are ignored) */
export function categoryForMime (mimeType: string): Category {
  const type = mimeType.split(';')[0].trim().toLowerCase()
  const top = type.split('/')[0]
  if (top === 'video') return 'video'
  if (top === 'audio') return 'audio'
  if (top === 'image') return 'image'
  if (top === 'text' || DOCUMENTS.has(type) || type.startsWith('application/vnd.openxmlformats-officedocument.')) return 'document'
  if (ARCHIVES.has(type)) return 'archive'
  if (SOFTWARE.has(type)) return 'software'
  return 'other'
}
