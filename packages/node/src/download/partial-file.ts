/**
 * The file a download writes into: `<output>.peershare-partial`, next to the
 * destination so the final rename is atomic. Chunks are written at their offsets in
 * any order. `sync` makes written chunks durable; only then may they be recorded as
 * verified. On resume every chunk recorded as verified is hashed again, so a partial
 * file damaged while the node was down is caught and the damage fetched again.
 */
import { createHash } from 'node:crypto'
import { type FileHandle, link, lstat, open, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type Bitfield, MAX_NAME_BYTES, chunkLength, chunkOffset, type Manifest } from '@peershare/protocol'
import { OutputExistsError, fsError } from '../errors.js'
import { InOrder } from '../in-order.js'
import { userFileMode } from '../file-modes.js'
import { readExactly } from '../fs-read.js'
import { type ChunkReader, threadVerifiedRead } from '../store/chunk-readers.js'
import { type ChunkData, chunkMatches, piecesOf } from './chunk-data.js'

/**
 * A name for a temporary file next to `output`: `<output><suffix>`, or, when that
 * would pass the 255 bytes a file name may have, a short name made from a hash of the
 * output's name (so the same output always gets the same one). Offered names leave
 * room for the suffix (MAX_FILE_NAME_BYTES); names the user gave and paths inside a
 * collection may not.
 */
export function siblingPath (output: string, suffix: string): string {
  const name = basename(output)
  if (Buffer.byteLength(name + suffix) <= MAX_NAME_BYTES) return `${output}${suffix}`
  return join(dirname(output), `.${createHash('sha256').update(name).digest('hex').slice(0, 32)}${suffix}`)
}

export class PartialFile {
  /** writes go to the file one at a time (`write`) */
  private readonly writes = new InOrder()

  private constructor (readonly path: string, private readonly manifest: Manifest, readonly handle: FileHandle) {}

  /** Creates a new partial file; fails if one exists (another download to the same output) */
  static async create (path: string, manifest: Manifest, output: string): Promise<PartialFile> {
    const handle = await open(path, 'wx+', 0o644).catch((err: any) => {
      throw err.code === 'EEXIST' ? new OutputExistsError(`${path} exists: another download to ${output} is running or was interrupted`) : fsError(err, path)
    })
    await forUser(handle)
    return new PartialFile(path, manifest, handle)
  }

  /**
   * Reopens the partial file of an interrupted download. If it vanished, and `output`
   * holds the whole file, that becomes the partial file again (a second name for it):
   * a run killed while completing had put the file in place and removed the partial
   * file, but not yet its saved state, and the download completes from the file in
   * place rather than fetch it all and then refuse the output as someone else's.
   * Otherwise an empty partial file is made.
   */
  static async reopen (path: string, manifest: Manifest, output?: string): Promise<PartialFile> {
    const handle = await open(path, 'r+').catch(async (err: any) => {
      if (err.code !== 'ENOENT') throw fsError(err, path)
      if (output != null && await holdsWholeFile(output, manifest)) {
        await link(output, path).catch((err: any) => { throw fsError(err, path) })
        return open(path, 'r+')
      }
      return open(path, 'w+', 0o644).then(async created => { await forUser(created); return created })
    })
    return new PartialFile(path, manifest, handle)
  }

  /**
   * Writes chunk `index` at its offset, after the writes asked for before it. A download
   * keeps several writes going (the disk works while the next chunk arrives), but Linux
   * takes a file's inode lock for each buffered write: writes to one file from several
   * threadpool threads at once only spun on it (`perf` of a 1 GiB get: 5.9% of the
   * receiver's CPU in `rwsem_spin_on_owner` with up to four at once, none one at a time).
   * A write that fails fails alone; the ones queued behind it still go.
   */
  async write (index: number, data: ChunkData): Promise<void> {
    return this.writes.run(async () => this.writeNow(index, data))
  }

  private async writeNow (index: number, data: ChunkData): Promise<void> {
    let pieces = piecesOf(data)
    let position = chunkOffset(this.manifest, index)
    try {
      while (pieces.length > 0) {
        const { bytesWritten } = await this.handle.writev(pieces, position)
        position += bytesWritten
        pieces = dropBytes(pieces, bytesWritten)
      }
    } catch (err) {
      throw fsError(err, this.path)
    }
  }

  async read (index: number): Promise<Uint8Array> {
    return readExactly(this.handle, chunkLength(this.manifest, index), chunkOffset(this.manifest, index))
  }

  /** Makes every write so far durable */
  async sync (): Promise<void> {
    await this.handle.sync()
  }

  /** Hashes each chunk `verified` claims; clears those that do not match. Returns how many were cleared. */
  async recheck (verified: Bitfield): Promise<number> {
    let cleared = 0
    for (let i = 0; i < verified.length; i++) {
      if (!verified.has(i)) continue
      const data = await this.read(i).catch(() => undefined)
      if (data == null || !chunkMatches(this.manifest, i, data)) {
        verified.clear(i)
        cleared++
      }
    }
    return cleared
  }

  /** Serves verified chunks of this download to other peers */
  reader (): ChunkReader {
    return { read: async (index) => this.read(index), readVerified: threadVerifiedRead(this.path, this.manifest), close: async () => {} }
  }

  async close (): Promise<void> {
    await this.handle.close().catch(() => {})
  }

  async remove (): Promise<void> {
    await this.close()
    await rm(this.path, { force: true })
  }
}

/**
 * True when `path` is a regular file holding every chunk of the manifest's file: only
 * then may it serve as a partial file, which a download writes into (a file that is
 * not the download is left alone)
 */
async function holdsWholeFile (path: string, manifest: Manifest): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined)
  if (info == null || !info.isFile() || info.size !== manifest.size) return false
  const handle = await open(path, 'r').catch(() => undefined)
  if (handle == null) return false
  try {
    for (let i = 0; i < manifest.chunkHashes.length; i++) {
      if (!chunkMatches(manifest, i, await readExactly(handle, chunkLength(manifest, i), chunkOffset(manifest, i)))) return false
    }
    return true
  } catch {
    return false
  } finally {
    await handle.close()
  }
}

/** The pieces left after the first `bytes` were written (a short writev) */
function dropBytes (pieces: Uint8Array[], bytes: number): Uint8Array[] {
  let left = bytes
  const rest: Uint8Array[] = []
  for (const piece of pieces) {
    if (left >= piece.byteLength) {
      left -= piece.byteLength
      continue
    }
    rest.push(left > 0 ? piece.subarray(left) : piece)
    left = 0
  }
  return rest
}

/** A download is the user's file: the mode their umask gives, not the daemon's private one */
async function forUser (handle: FileHandle): Promise<void> {
  const mode = userFileMode()
  if (mode != null) await handle.chmod(mode)
}
