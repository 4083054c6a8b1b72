/**
 * What a download holds once its manifest is known: the verified manifest, the
 * partial file, which chunks are written (`have`, served to others) and which are
 * also synced (`durable`, what a restart may trust), the scheduling policy and the
 * whole-file hash as the in-order prefix grows (on the hash thread, read back from
 * the partial file).
 */
import { Bitfield, type Manifest, chunkLength, partable } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { SYNC_AHEAD_BYTES } from '../fs-pipeline.js'
import type { ChunkData } from './chunk-data.js'
import { ChunkPicker } from './chunk-picker.js'
import { FilePrefixHasher } from './file-prefix-hasher.js'
import { PartAssembly } from './part-assembly.js'
import type { PartialFile } from './partial-file.js'
import { bytesHeld } from './transfer-progress.js'

/**
 * Written bytes not yet synced past which a sync starts at once instead of at the next
 * checkpoint (fs-pipeline.ts). Why: a checkpoint every 500 ms left up to 500 ms of writes
 * (80 MiB at 160 MiB/s) for the last sync, which a download waits for before it is
 * complete: 56-117 ms at the end of a 256 MiB get. Synced as they go, at most this much is left.
 */
export { SYNC_AHEAD_BYTES }

export class DownloadContent {
  /** chunks verified and written: what we serve to others */
  readonly have: Bitfield
  readonly picker: ChunkPicker
  /** the parts of the chunks split in the tail, until joined */
  readonly parts: PartAssembly
  /** written, not yet synced */
  readonly unsynced = new Set<number>()
  private unsyncedBytes = 0
  /** the sync under way; one at a time, so each knows what it covered */
  private syncing: Promise<void> | undefined
  /** the chunks the sync under way covers (a chunk forgotten meanwhile leaves it) */
  private syncBatch = new Set<number>()
  /** a sync failed: thrown by the next `sync` */
  private syncFailure: Error | undefined
  /** chunks became durable since `sync` last said so */
  private newlyDurable = false
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
    this.unsyncedBytes += chunkLength(this.manifest, index)
    this.hasher.add(index)
    this.hasher.recycle(data)
    if (this.unsyncedBytes >= SYNC_AHEAD_BYTES && this.syncing == null) void this.startSync()
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
    this.syncBatch.delete(index)
    this.picker.forget(index)
    return true
  }

  /**
   * Syncs written chunks, then records them as durable; true when chunks became durable
   * since the last call (a sync started ahead included). Throws, once, the error of a
   * sync that failed since.
   */
  async sync (): Promise<boolean> {
    while (this.syncing != null) await this.syncing
    if (this.syncFailure == null && this.unsynced.size > 0) await this.startSync()
    const failure = this.syncFailure
    this.syncFailure = undefined
    if (failure != null) throw failure
    const synced = this.newlyDurable
    this.newlyDurable = false
    return synced
  }

  /** Syncs what is written now; never rejects (a failure is kept for `sync`) */
  private async startSync (): Promise<void> {
    this.syncBatch = new Set(this.unsynced)
    this.unsyncedBytes = 0
    const run = this.partial.sync().then(() => { this.madeDurable() }, (err: Error) => { this.syncFailed(err) })
    this.syncing = run.finally(() => { this.syncing = undefined })
    return this.syncing
  }

  /** The sync under way covered its batch (one sync at a time: the batch stays until it ends) */
  private madeDurable (): void {
    for (const index of this.syncBatch) {
      this.unsynced.delete(index)
      this.durable.set(index)
    }
    this.newlyDurable ||= this.syncBatch.size > 0
  }

  /**
   * Linux reports a failed writeback once, and marks the pages clean: a later sync that
   * succeeds says nothing of them. So every chunk not yet synced is forgotten, to be
   * fetched again (on a resume), and the error goes to the next `sync`.
   */
  private syncFailed (err: Error): void {
    this.syncFailure ??= err
    for (const index of [...this.unsynced]) this.forget(index)
    this.unsyncedBytes = 0
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
    await this.syncing
    await this.partial.close()
  }

  /** Removes the partial file and stops hashing it */
  async remove (): Promise<void> {
    this.hasher.close()
    await this.syncing
    await this.partial.remove()
  }
}
