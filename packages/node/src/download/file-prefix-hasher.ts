/**
 * The whole-file SHA-256 of a download in Node, hashed on the hash thread (hash-thread/)
 * rather than on the thread that receives chunks: like PrefixHasher it follows the
 * verified prefix as chunks complete out of order, but it hands the thread only how far
 * the prefix reaches; the thread reads those bytes back from the partial file (written
 * before a chunk is added here) and hashes them.
 */
import { chunkOffset, type Manifest } from '@peershare/protocol'
import { type FileHashJob, hashThread } from '../hash-thread/index.js'
import { type ChunkData, lengthMatches, piecesOf } from './chunk-data.js'

export class FilePrefixHasher {
  private readonly job: FileHashJob
  private readonly ahead = new Set<number>()
  private next = 0

  constructor (private readonly manifest: Manifest, path: string) {
    this.job = hashThread.fileHash(path)
  }

  /**
   * Checks chunk `index` against its hash on the thread: the chunk as one buffer when it
   * matches, else undefined. A chunk that continues the verified prefix is hashed into the
   * whole-file hash there and then, and is not read back after its write.
   */
  async verify (index: number, data: ChunkData): Promise<Uint8Array | undefined> {
    if (!lengthMatches(this.manifest, index, data)) return undefined
    return this.job.verifyChunk(chunkOffset(this.manifest, index), piecesOf(data), this.manifest.chunkHashes[index])
  }

  /** A chunk `verify` returned is written and not used after: its buffer may serve the next one */
  recycle (data: ChunkData): void {
    // the last chunk, shorter, would wait in the pool for a chunk of its length that may never come
    if (data.byteLength === this.manifest.chunkSize) hashThread.recycle(data)
  }

  /** Records that chunk `index` is verified and written to the file */
  add (index: number): void {
    this.ahead.add(index)
    while (this.ahead.delete(this.next)) this.next++
    this.job.hashTo(this.prefixBytes())
  }

  /** The digest; only valid once every chunk was added. Ends the hash. */
  async digest (): Promise<Uint8Array> {
    if (this.next !== this.manifest.chunkHashes.length) throw new Error('FilePrefixHasher.digest before all chunks were added')
    return this.job.digest(this.manifest.size)
  }

  /** Stops hashing (the download stopped, or starts over) */
  close (): void {
    this.job.close()
  }

  private prefixBytes (): number {
    return this.next === this.manifest.chunkHashes.length ? this.manifest.size : chunkOffset(this.manifest, this.next)
  }
}
