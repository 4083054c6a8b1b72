/**
 * A file pass that reads, transforms and writes chunk by chunk without each step waiting
 * for the one before: reads run READ_AHEAD chunks ahead into buffers the pass reuses (a
 * fresh 1 MiB buffer per chunk costs page faults and collector work), writes go behind
 * in order, at most WRITE_BEHIND queued, and the output is synced as it grows so the last
 * sync is short. Used by the decryption of a download (download/decrypt-pass.ts) and the
 * encryption of a share (encryption/share-encrypted.ts). Decrypting 256 MiB took 1.1-1.5 s
 * on the 2-core bench machine when each read, step and write waited for the one before,
 * and 0.5-0.7 s with them overlapping.
 */
import type { FileHandle } from 'node:fs/promises'
import { fsError } from './errors.js'
import { readUpTo } from './fs-read.js'

/** Chunks read ahead of the one being worked on */
export const READ_AHEAD = 4
/** Chunks queued for writing before the pass waits for them */
export const WRITE_BEHIND = 4
/**
 * Bytes written between syncs of the output: at most this much is left for the last
 * one (a download's partial file syncs at the same step: download-content.ts)
 */
export const SYNC_AHEAD_BYTES = 32 * 1024 * 1024

/** Where chunk `index` of a file is: its offset and length */
export interface ChunkGeometry {
  count: number
  offset: (index: number) => number
  length: (index: number) => number
}

export interface ReadAheadOptions {
  /** resolves once chunk `index` may be read (undefined: now); rejects to stop the pass */
  ready?: (index: number) => Promise<void> | undefined
  /** the error for a chunk the file ends before (it is shorter than expected) */
  short: (index: number, read: number) => Error
}

/** Reads of a file's chunks, READ_AHEAD ahead, into buffers the pass gives back once used (`release`) */
export class ReadAhead {
  private readonly pending = new Map<number, Promise<Uint8Array>>()
  private readonly free: Buffer[] = []
  private readonly fullLength: number
  private next = 0
  /** rejects once the pass has stopped: reads still waiting for their chunk give up */
  private readonly stopped: Promise<never>
  private stopReads: ((err: Error) => void) | undefined

  constructor (private readonly input: FileHandle, private readonly path: string, private readonly chunks: ChunkGeometry, private readonly options: ReadAheadOptions) {
    this.fullLength = chunks.count > 0 ? chunks.length(0) : 0
    this.stopped = new Promise<never>((_resolve, reject) => { this.stopReads = reject })
    this.stopped.catch(() => {})
  }

  /** Chunk `index` (reads begin with the first take); the chunks after it are asked for meanwhile */
  async take (index: number): Promise<Uint8Array> {
    this.fill(index)
    const read = this.pending.get(index) as Promise<Uint8Array>
    this.pending.delete(index)
    return read
  }

  /** The buffer of chunk `index` is no longer used: the chunk READ_AHEAD further on is read into it */
  release (index: number, buffer: Uint8Array): void {
    if (buffer.byteLength === this.fullLength) this.free.push(buffer as Buffer)
    this.fill(index + 1)
  }

  /**
   * Every read begun has ended (each failure was, or will not be, someone's to see). The
   * pass has ended: reads still waiting for their chunk to be ready give up rather than
   * wait for it (a failed decryption ahead of a download would wait for the next chunks)
   */
  async settled (): Promise<void> {
    this.stopReads?.(new Error('the pass has ended'))
    await Promise.allSettled(this.pending.values())
  }

  private fill (from: number): void {
    while (this.next < this.chunks.count && this.next < from + READ_AHEAD) {
      const index = this.next++
      const read = this.read(index)
      read.catch(() => {})
      this.pending.set(index, read)
    }
  }

  private async read (index: number): Promise<Uint8Array> {
    const ready = this.options.ready?.(index)
    if (ready != null) {
      // given up on (the pass stopped), its later rejection is no one's to see
      ready.catch(() => {})
      await Promise.race([ready, this.stopped])
    }
    const length = this.chunks.length(index)
    // a pooled buffer only for full chunks: a short last one would keep a pool slab alive
    const buffer = length === this.fullLength ? this.free.pop() ?? Buffer.allocUnsafeSlow(length) : Buffer.allocUnsafeSlow(length)
    const n = await readUpTo(this.input, buffer, this.chunks.offset(index)).catch((err: any) => { throw fsError(err, this.path) })
    if (n < length) throw this.options.short(index, n)
    return buffer
  }
}

/** Where a pass writes: a file handle, or the blob store's writer */
export interface WriteSink {
  write: (data: Uint8Array, position: number) => Promise<void>
  /** makes what was written so far durable; `final`: the file's metadata too (its last sync) */
  sync: (final: boolean) => Promise<void>
}

/** A file handle as a WriteSink: every byte written (a write may take fewer), errors named by `path` */
export function fileSink (handle: FileHandle, path: string): WriteSink {
  return {
    write: async (data, position) => {
      let done = 0
      while (done < data.byteLength) {
        const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done).catch((err: any) => { throw fsError(err, path) })
        done += bytesWritten
      }
    },
    sync: async final => { await (final ? handle.sync() : handle.datasync()).catch((err: any) => { throw fsError(err, path) }) }
  }
}

/** Writes in order, WRITE_BEHIND at most queued, with a sync each SYNC_AHEAD_BYTES */
export class WriteBehind {
  private chain: Promise<void> = Promise.resolve()
  private queued = 0
  private failure: Error | undefined
  private space: (() => void) | undefined
  private unsynced = 0
  private syncing: Promise<void> | undefined

  constructor (private readonly sink: WriteSink) {}

  /** Queues `data` at `position`; `written` runs once it (and all before it) is written. Waits while the queue is full; throws an earlier write's failure */
  async put (data: Uint8Array, position: number, written?: () => void): Promise<void> {
    this.throwFailure()
    this.queued++
    this.chain = this.chain.then(async () => {
      try {
        // after a failure nothing more is written, but each queued write still frees its place
        if (this.failure != null) return
        await this.sink.write(data, position)
        written?.()
        this.grew(data.byteLength)
      } catch (err: any) {
        this.failure ??= err
      } finally {
        this.queued--
        this.space?.()
      }
    })
    while (this.queued >= WRITE_BEHIND && this.failure == null) await new Promise<void>(resolve => { this.space = resolve })
    this.throwFailure()
  }

  /** Every write done and synced; throws the first failure */
  async finish (): Promise<void> {
    await this.settled()
    this.throwFailure()
    await this.sink.sync(true)
  }

  /** Every write and sync begun has ended */
  async settled (): Promise<void> {
    await this.chain
    await this.syncing
  }

  /** Starts a sync once SYNC_AHEAD_BYTES were written since the last one began, one at a time */
  private grew (bytes: number): void {
    this.unsynced += bytes
    if (this.unsynced < SYNC_AHEAD_BYTES || this.syncing != null) return
    this.unsynced = 0
    this.syncing = this.sink.sync(false)
      // a put waiting for room learns of it now, not when a write that never comes frees one
      .catch((err: Error) => { this.failure ??= err; this.space?.() })
      .finally(() => { this.syncing = undefined })
  }

  private throwFailure (): void {
    if (this.failure != null) throw this.failure
  }
}
