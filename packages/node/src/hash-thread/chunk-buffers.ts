/** Buffers reused for chunks and the messages that carry them (hash-thread.ts, framed-stream.ts) */

/**
 * Buffers kept for chunks on their way to and from the thread: a download in flight uses a
 * few (chunks being verified, writes queued), and reusing them spares the collector a
 * megabyte of garbage per chunk. Only buffers `verifyChunk` handed out come back here.
 */
export class ChunkBuffers {
  private readonly free = new Map<number, Uint8Array[]>()
  private readonly handedOut = new WeakSet<Uint8Array>()
  private bytes = 0

  constructor (private readonly maxBytes: number) {}

  /** The pieces copied into one buffer of its own (not Buffer's shared pool: it is transferred to the thread) */
  joined (pieces: readonly Uint8Array[]): Uint8Array {
    let length = 0
    for (const piece of pieces) length += piece.byteLength
    const out = this.take(length)
    let at = 0
    for (const piece of pieces) {
      out.set(piece, at)
      at += piece.byteLength
    }
    return out
  }

  /** A buffer back from the thread: it may be recycled once its user is done */
  issued (buffer: Uint8Array): void {
    this.handedOut.add(buffer)
  }

  /** Keeps a buffer handed out for a later chunk of its length; when full, buffers of other lengths (other downloads' chunk sizes) go first */
  recycle (buffer: Uint8Array): void {
    if (!this.handedOut.delete(buffer)) return
    const length = buffer.byteLength
    if (this.bytes + length > this.maxBytes) this.dropOtherThan(length)
    if (this.bytes + length > this.maxBytes) return
    const list = this.free.get(length) ?? []
    list.push(buffer)
    this.free.set(length, list)
    this.bytes += length
  }

  /** Lets every kept buffer go (no download is under way) */
  clear (): void {
    this.free.clear()
    this.bytes = 0
  }

  private dropOtherThan (length: number): void {
    for (const [other, list] of this.free) {
      if (other === length) continue
      this.bytes -= other * list.length
      this.free.delete(other)
    }
  }

  /** A buffer of `length` bytes: a kept one, else a new one of its own */
  take (length: number): Uint8Array {
    const list = this.free.get(length)
    const kept = list?.pop()
    if (list?.length === 0) this.free.delete(length)
    if (kept == null) return Buffer.allocUnsafeSlow(length)
    this.bytes -= length
    return kept
  }
}

/** Message buffers are sized up to a multiple of this: a chunk message's length varies with its header by a few bytes */
const MESSAGE_ROUNDING = 4096

/**
 * Buffers that large incoming messages (chunks) are assembled in as their bytes arrive
 * (FramedStream's `assemble`: why), kept for reuse as chunk buffers are. A buffer comes
 * back once the chunk it carried was copied for the thread and checked
 * (`recycleUnder`); one that never does (a compressed chunk, a part, an offer) is
 * collected as any buffer.
 */
export class MessageBuffers {
  private readonly pool: ChunkBuffers
  /** the whole buffer of each one handed out, by its memory (a message's views share it) */
  private readonly out = new WeakMap<ArrayBufferLike, Uint8Array>()

  constructor (maxBytes: number) {
    this.pool = new ChunkBuffers(maxBytes)
  }

  /** A buffer for a message of `length` bytes */
  take (length: number): Uint8Array {
    const whole = this.pool.take(Math.ceil(length / MESSAGE_ROUNDING) * MESSAGE_ROUNDING)
    this.pool.issued(whole)
    this.out.set(whole.buffer, whole)
    return whole.subarray(0, length)
  }

  /** Takes back the buffer under `piece`, if one was handed out here: its bytes are no longer read by anyone */
  recycleUnder (piece: Uint8Array): void {
    const whole = this.out.get(piece.buffer)
    if (whole == null) return
    this.out.delete(piece.buffer)
    this.pool.recycle(whole)
  }

  clear (): void {
    this.pool.clear()
  }
}
