/**
 * The MIME type of a file from its first bytes. The content's answer (file-type, which
 * knows some 180 formats by their magic bytes) wins over the name; the extension speaks
 * only when the content says nothing, and not even then when it names a format whose
 * magic bytes would have been seen (a text file called x.pdf or notes.ts is text).
 */
import { logger } from '@libp2p/logger'
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type'
import mime from 'mime'

const log = logger('peershare:node:metadata')

/**
 * Bytes of a file's head the detection looks at: file-type needs about 4 KiB for most
 * formats and reads deeper into ZIP containers (office documents, EPUB) for their
 * members; 64 KiB covers those and costs nothing, since the share reads them anyway.
 */
export const SNIFF_BYTES = 64 * 1024

const TEXT = 'text/plain'
const BINARY = 'application/octet-stream'
/** formats recognised by their content: when the content does not have them, the name is wrong */
const DETECTABLE: ReadonlySet<string> = new Set(supportedMimeTypes)

/** The MIME type of a file whose first bytes (at most SNIFF_BYTES are used) are `head`, named `name` */
export async function detectMimeType (head: Uint8Array, name: string): Promise<string> {
  const sample = head.subarray(0, SNIFF_BYTES)
  const byName = mime.getType(name) ?? undefined
  const sniffed = await sniff(sample)
  if (sniffed != null) return refine(sniffed, byName)
  const text = sample.byteLength > 0 && isText(sample)
  if (byName != null && !(text && DETECTABLE.has(byName))) return byName
  return text ? TEXT : BINARY
}

async function sniff (sample: Uint8Array): Promise<string | undefined> {
  try {
    return (await fileTypeFromBuffer(sample))?.mime
  } catch (err: any) {
    // file-type is defensive, but a parser bug on odd bytes must not fail a share
    log('MIME detection failed: %s', err?.message)
    return undefined
  }
}

/** The content says XML; the name may say which XML (an SVG image, an RSS feed) */
function refine (sniffed: string, byName: string | undefined): string {
  if (sniffed === 'application/xml' && byName != null && (byName.endsWith('+xml') || byName === 'text/xml')) return byName
  return sniffed
}

/**
 * Valid UTF-8 without NUL bytes: text. The sample may end inside a multi-byte
 * character (it is cut at a fixed length), which streaming decode allows.
 */
function isText (sample: Uint8Array): boolean {
  if (sample.includes(0)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true })
    return true
  } catch {
    return false
  }
}
