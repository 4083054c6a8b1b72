/**
 * Reads of a stored file's chunks that only ever return verified bytes: hashed as they
 * are read (`verifiedReader`), or read and hashed on the hash thread (`threadVerifiedRead`).
 */
import { chunkLength, chunkOffset, type Manifest } from '@peershare/protocol'
import type { Uint8ArrayList } from 'uint8arraylist'
import { chunkMatches } from '../download/chunk-data.js'
import { ChunkDamagedError } from '../errors.js'
import { ShortReadError } from '../fs-read.js'
import { hashThread } from '../hash-thread/index.js'

/**
 * A chunk's bytes: one buffer, or the pieces a read on the hash thread returns. Both
 * give `byteLength`, and `subarray()` as one buffer (a copy only of pieces).
 */
export type ChunkBytes = Uint8Array | Uint8ArrayList

/** The buffers of `bytes`, in order, without a copy */
export function chunkPieces (bytes: ChunkBytes): Uint8Array[] {
  return bytes instanceof Uint8Array ? [bytes] : [...bytes]
}

/** Random access to the verified chunks of one stored file */
export interface ChunkReader {
  read(index: number): Promise<ChunkBytes>
  /**
   * Reads chunk `index` and checks it against the manifest off the event loop (Node:
   * the hash thread): the bytes, or undefined when they fail their hash or the file
   * ends first. Optional: `verifiedReader` hashes what `read` returns otherwise.
   */
  readVerified?(index: number): Promise<ChunkBytes | undefined>
  close(): Promise<void>
}

/**
 * A reader that only returns chunks matching the manifest: each is hashed as it is
 * read. Bytes that fail, a file too short, or an I/O error (EIO) call `onDamaged` and
 * fail with ChunkDamagedError, so damaged bytes never leave the node. Other read
 * errors (the reader closed under a read by a session ending) pass through as they are:
 * they say nothing about the content.
 */
export function verifiedReader (reader: ChunkReader, manifest: Manifest, onDamaged: (index: number) => void): ChunkReader {
  let closed = false
  return {
    read: async (index) => {
      let data: ChunkBytes | undefined
      try {
        data = await readChecked(reader, manifest, index)
      } catch (err: any) {
        if (closed || !(err instanceof ShortReadError || err?.code === 'EIO')) throw err
      }
      if (data != null) return data
      if (closed) throw new ChunkDamagedError(`Chunk ${index} was read after its reader closed`)
      onDamaged(index)
      throw new ChunkDamagedError(`Chunk ${index} fails its hash on this node's disk: not sent`)
    },
    close: async () => {
      closed = true
      await reader.close()
    }
  }
}

/** Chunk `index` when it matches its hash (on the hash thread where the reader can), else undefined; read errors pass through */
export async function readChecked (reader: ChunkReader, manifest: Manifest, index: number): Promise<ChunkBytes | undefined> {
  if (reader.readVerified != null) return reader.readVerified(index)
  const data = await reader.read(index)
  return chunkMatches(manifest, index, data) ? data : undefined
}

/**
 * A chunk read and checked on the hash thread, by path: the event loop that sends
 * chunks neither reads nor hashes them (the bytes come back in pieces, hash-thread/)
 */
export function threadVerifiedRead (path: string, manifest: Manifest): (index: number) => Promise<Uint8ArrayList | undefined> {
  return async (index) => {
    if (index < 0 || index >= manifest.chunkHashes.length) return undefined
    const result = await hashThread.readVerified(path, chunkOffset(manifest, index), chunkLength(manifest, index), manifest.chunkHashes[index])
    return result.ok ? result.data : undefined
  }
}
