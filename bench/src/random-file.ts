/** Bench files: a file of random bytes (written in 1 MiB pieces so memory stays flat) and a received file's size and SHA-256 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { PIECE } from './protocol.js'

export async function createRandomFile (path: string, size: number): Promise<{ path: string, sha256: string }> {
  const hash = createHash('sha256')
  const file = await open(path, 'wx')
  try {
    for (let done = 0; done < size; done += PIECE) {
      const piece = randomBytes(Math.min(PIECE, size - done))
      hash.update(piece)
      await file.write(piece, 0, piece.byteLength, done)
    }
  } finally {
    await file.close()
  }
  return { path, sha256: hash.digest('hex') }
}

/** What a receiver wrote: its size and SHA-256, read back from disk */
export async function hashFile (path: string): Promise<{ bytes: number, sha256: string }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const piece of createReadStream(path)) {
    hash.update(piece as Buffer)
    bytes += (piece as Buffer).byteLength
  }
  return { bytes, sha256: hash.digest('hex') }
}
