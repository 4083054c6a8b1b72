/**
 * The whole-file SHA-256 of a download whose chunks may complete out of order, in
 * constant memory: chunks are hashed as the verified prefix grows; a chunk that
 * arrives ahead of the prefix is read back from storage when its turn comes (a partial
 * file, whose pages the cache usually still holds; a browser's chunk store).
 */
import type { Manifest } from '@peershare/protocol'
import { platform, type Sha256Hash } from '../platform/index.js'
import { type ChunkData, piecesOf } from './chunk-data.js'

/** Reads a verified chunk back from where it was stored */
export type ReadChunk = (index: number) => Promise<Uint8Array>

export class PrefixHasher {
  private readonly hash: Sha256Hash = platform.sha256()
  private readonly ahead = new Set<number>()
  private next = 0

  constructor (private readonly manifest: Manifest, private readonly readBack: ReadChunk) {}

  /** Records that chunk `index` (with bytes `data`) is verified and stored */
  async add (index: number, data: ChunkData): Promise<void> {
    if (index !== this.next) {
      this.ahead.add(index)
      return
    }
    for (const piece of piecesOf(data)) this.hash.update(piece)
    this.next++
    await this.catchUp()
  }

  /** Hashes chunks that were waiting for the prefix to reach them */
  private async catchUp (): Promise<void> {
    while (this.ahead.delete(this.next)) {
      this.hash.update(await this.readBack(this.next))
      this.next++
    }
  }

  /** Records chunk `index` as verified and already stored (a resumed download) */
  async addStored (index: number): Promise<void> {
    if (index !== this.next) {
      this.ahead.add(index)
      return
    }
    this.ahead.add(index)
    await this.catchUp()
  }

  /** The digest; only valid once every chunk was added */
  digest (): Uint8Array {
    if (this.next !== this.manifest.chunkHashes.length) throw new Error('PrefixHasher.digest before all chunks were added')
    return this.hash.digest()
  }
}
