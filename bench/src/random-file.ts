/** A file of random bytes, written in 1 MiB pieces so memory stays flat, and its SHA-256 */
import { createHash, randomBytes } from 'node:crypto'
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
