/**
 * What a download holds once its manifest is known: the verified manifest, the
 * partial file, which chunks are written (`have`, served to others) and which are
 * also synced (`durable`, what a restart may trust), the scheduling policy and the
 * whole-file hash as the in-order prefix grows.
 */
import { Bitfield, chunkLength, chunkOffset, type Manifest } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { readExactly } from '../fs-read.js'
import type { ChunkData } from './chunk-data.js'
import { ChunkPicker } from './chunk-picker.js'
import type { PartialFile } from './partial-file.js'
import { PrefixHasher } from './prefix-hasher.js'
import { bytesHeld } from './transfer-progress.js'

export class DownloadContent {
  /** chunks verified and written: what we serve to others */
  readonly have: Bitfield
  readonly picker: ChunkPicker
  /** written, not yet synced */
  readonly unsynced = new Set<number>()
  private hasher: PrefixHasher
  private hashing: Promise<void> = Promise.resolve()

  /**
   * @param durable chunks verified, written and synced
   * @param inOrder fetch the lowest missing chunks first (the file is read as it arrives)
   */
  constructor (readonly manifest: Manifest, readonly manifestBytes: Uint8Array, readonly durable: Bitfield, readonly partial: PartialFile, inOrder = false) {
    this.have = new Bitfield(durable.length, durable.toBytes())
    this.picker = new ChunkPicker(durable.length, new Bitfield(durable.length, durable.toBytes()), { inOrder })
    this.hasher = this.newHasher()
  }

  /** Hashes the file as its verified prefix grows, reading chunks ahead of it back from the partial file */
  private newHasher (): PrefixHasher {
    const { manifest, partial } = this
    return new PrefixHasher(manifest, async index => readExactly(partial.handle, chunkLength(manifest, index), chunkOffset(manifest, index)))
  }

  get count (): number {
    return this.have.length
  }

  isDone (): boolean {
    return this.have.complete
  }

  bytesDone (): number {
    return bytesHeld(this.manifest, this.have)
  }

  /** Chunks verified before a restart count toward the whole-file hash */
  async prime (): Promise<void> {
    this.hasher = this.newHasher()
    for (let i = 0; i < this.have.length; i++) if (this.have.has(i)) await this.hasher.addStored(i)
  }

  /** A chunk was verified and written */
  written (index: number, data: ChunkData): void {
    this.have.set(index)
    this.unsynced.add(index)
    const hashed = this.hashing.then(async () => this.hasher.add(index, data))
    // awaited at completion; a download stopped before then must not leave a rejection unhandled
    hashed.catch(() => {})
    this.hashing = hashed
  }

  /**
   * A held chunk failed its hash when read back (the partial file was damaged on
   * disk): it is no longer held, served or trusted after a restart, and is fetched again
   */
  forget (index: number): boolean {
    if (!this.have.has(index)) return false
    this.have.clear(index)
    this.durable.clear(index)
    this.unsynced.delete(index)
    this.picker.forget(index)
    return true
  }

  /** Syncs written chunks, then records them as durable; returns false when nothing was new */
  async sync (): Promise<boolean> {
    if (this.unsynced.size === 0) return false
    const batch = [...this.unsynced]
    await this.partial.sync()
    for (const index of batch) {
      this.durable.set(index)
      this.unsynced.delete(index)
    }
    return true
  }

  /** True when every chunk hashed in order gives the manifest's whole-file SHA-256 */
  async wholeFileMatches (): Promise<boolean> {
    await this.hashing
    return equals(this.hasher.digest(), this.manifest.sha256)
  }
}
