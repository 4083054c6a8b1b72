/** Positional reads that loop until the wanted length, since one read may return less; a whole file's SHA-256 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { ShortReadError } from './store/blob-store.js'

/** Reads up to `buf.byteLength` bytes from `position`; fewer only at end of file */
export async function readUpTo (handle: FileHandle, buf: Uint8Array, position: number): Promise<number> {
  let filled = 0
  while (filled < buf.byteLength) {
    const { bytesRead } = await handle.read(buf, filled, buf.byteLength - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}

// the blob store's contract names it: a store without files throws it too
export { ShortReadError }

/** Reads exactly `length` bytes from `position`, or throws ShortReadError if the file ends first */
export async function readExactly (handle: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length)
  const n = await readUpTo(handle, buf, position)
  if (n < length) throw new ShortReadError(`File ended after ${n} of ${length} bytes at offset ${position}`)
  return buf
}

/** SHA-256 of the whole file at `path`, streamed */
export async function fileSha256 (path: string): Promise<Buffer> {
  const hash = createHash('sha256')
  for await (const part of createReadStream(path)) hash.update(part as Buffer)
  return hash.digest()
}
