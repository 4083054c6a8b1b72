/**
 * What a download holds once its manifest is known: the verified manifest, the
 * partial file, which chunks are written (`have`, served to others) and which are
 * also synced (`durable`, what a restart may trust), the scheduling policy and the
 * whole-file hash as the in-order prefix grows (on the hash thread, read back from
 * the partial file).
 */
import { Bitfield, type Manifest, partable } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import type { ChunkData } from './chunk-data.js'
import { ChunkPicker } from './chunk-picker.js'
import { FilePrefixHasher } from './file-prefix-hasher.js'
import { PartAssembly } from './part-assembly.js'
import type { PartialFile } from './partial-file.js'
import { bytesHeld } from './transfer-progress.js'

export class DownloadContent {
  /** chunks verified and written: what we serve to others */
  readonly have: Bitfield
  readonly picker: ChunkPicker
  /** the parts of the chunks split in the tail, until joined */
  readonly parts: PartAssembly
  /** written, not yet synced */
  readonly unsynced = new Set<number>()
  private hasher: FilePrefixHasher

  /**
   * @param durable chunks verified, written and synced
   * @param inOrder fetch the lowest missing chunks first (the file is read as it arrives)
   */
  constructor (readonly manifest: Manifest, readonly manifestBytes: Uint8Array, readonly durable: Bitfield, readonly partial: PartialFile, inOrder = false) {
    this.have = new Bitfield(durable.length, durable.toBytes())
    this.picker = new ChunkPicker(durable.length, new Bitfield(durable.length, durable.toBytes()), { inOrder, partable: index => partable(manifest, index) })
    this.parts = new PartAssembly(manifest)
    this.hasher = this.newHasher()
  }

  /** Hashes the partial file as its verified prefix grows */
  private newHasher (): FilePrefixHasher {
    return new FilePrefixHasher(this.manifest, this.partial.path)
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
    this.hasher.close()
    this.hasher = this.newHasher()
    for (let i = 0; i < this.have.length; i++) if (this.have.has(i)) this.hasher.add(i)
  }

  /** Checks a chunk that arrived (see FilePrefixHasher.verify): the chunk as one buffer when it matches */
  async verify (index: number, data: ChunkData): Promise<Uint8Array | undefined> {
    return this.hasher.verify(index, data)
  }

  /** A chunk was verified and written (its bytes are in the partial file); `data` is not used after */
  written (index: number, data: ChunkData): void {
    this.have.set(index)
    this.unsynced.add(index)
    this.hasher.add(index)
    this.hasher.recycle(data)
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
    return equals(await this.hasher.digest(), this.manifest.sha256)
  }

  /** Stops the whole-file hash (the download halted; `prime` starts it again on resume) */
  stopHashing (): void {
    this.hasher.close()
  }

  /** Closes the partial file and stops hashing it (the download stopped or ended) */
  async close (): Promise<void> {
    this.hasher.close()
    await this.partial.close()
  }

  /** Removes the partial file and stops hashing it */
  async remove (): Promise<void> {
    this.hasher.close()
    await this.partial.remove()
  }
}
