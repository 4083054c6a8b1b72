import { open, stat } from 'node:fs/promises'

/** Flips one bit of the byte at `offset` in place (bit rot: size and mtime stay as they were, so only a chunk's hash can tell) */
export async function flipByte (path: string, offset: number): Promise<void> {
  const before = await stat(path)
  const handle = await open(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    await handle.read(byte, 0, 1, offset)
    byte[0] ^= 0x01
    await handle.write(byte, 0, 1, offset)
    await handle.utimes(before.atime, before.mtime)
  } finally {
    await handle.close()
  }
}
