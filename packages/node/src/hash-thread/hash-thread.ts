/** The owner's side of the hash thread (contract: index.ts) */
import { Worker } from 'node:worker_threads'
import { Uint8ArrayList } from 'uint8arraylist'
import { ChunkBuffers, MessageBuffers } from './chunk-buffers.js'
import type { FromThread, ReadVerifiedResult, ToThread } from './messages.js'

interface Waiter {
  resolve: (value: any) => void
  reject: (err: Error) => void
}

/** An error from the thread, rebuilt with its name and code */
function rebuilt (error: { message: string, code?: string, name?: string }): Error {
  const err = Object.assign(new Error(error.message), error.code == null ? {} : { code: error.code })
  if (error.name != null) err.name = error.name
  return err
}

/** Heap limits of the hash thread (MB), so its isolate adds little to the node's RSS */
const THREAD_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 }

/** Chunk buffers kept for reuse, at most (bytes): a download's chunks in flight at the default chunk size */
const CHUNK_BUFFERS_MAX_BYTES = 16 * 1024 * 1024

/** Message buffers kept for reuse, at most (bytes): a stream's unread chunks (its read high-water mark, 4 MiB) from a few sources */
const MESSAGE_BUFFERS_MAX_BYTES = 16 * 1024 * 1024

export class HashThread {
  private worker: Worker | undefined
  private nextId = 1
  /** requests waiting for an answer; the thread is ref'd only while there are some */
  private readonly waiting = new Map<number, Waiter>()
  private readonly chunkBuffers = new ChunkBuffers(CHUNK_BUFFERS_MAX_BYTES)
  private readonly messageBuffers = new MessageBuffers(MESSAGE_BUFFERS_MAX_BYTES)
  /** whole-file hashes not yet ended: the downloads under way (their chunk buffers are kept while there are some) */
  private openJobs = 0

  /** A whole-file hash of `path`, fed with how far the file may be read */
  fileHash (path: string): FileHashJob {
    const job = this.nextId++
    this.post({ op: 'open', job, path })
    this.openJobs++
    return new FileHashJob(this, job)
  }

  /** @internal a whole-file hash ended (digest or close): with none left, no download needs the kept buffers */
  jobEnded (): void {
    this.openJobs = Math.max(0, this.openJobs - 1)
    if (this.openJobs === 0) {
      this.chunkBuffers.clear()
      this.messageBuffers.clear()
    }
  }

  /**
   * A buffer for an incoming message of `length` bytes (FramedStream's `assemble`). A
   * chunk that arrived whole in one comes to `verifyChunk` as one piece, and the
   * buffer is reused once the chunk was checked.
   */
  messageBuffer (length: number): Uint8Array {
    return this.messageBuffers.take(length)
  }

  /** Reads `length` bytes at `offset` of `path` and checks them against `sha256`, on the thread */
  async readVerified (path: string, offset: number, length: number, sha256: Uint8Array): Promise<ReadVerifiedResult> {
    const req = this.nextId++
    const answer = this.ask<ReadVerifiedResult>(req)
    // its own 32 bytes: a hash sliced out of a manifest would take the whole manifest's buffer along
    this.post({ op: 'read', req, path, offset, length, sha256: sha256.slice() })
    return answer
  }

  /**
   * Checks a chunk that arrived (its pieces, `offset` in its file) against `sha256` on the
   * thread, feeding whole-file hash `job` when it stands at `offset`. The pieces are copied
   * into one buffer that goes to the thread and comes back: the chunk, as one buffer, when it
   * matches, else undefined. Once answered, a single piece in a message buffer
   * (`messageBuffer`) is taken back for the next message: its caller must not read it again.
   */
  async verifyChunk (job: number | undefined, offset: number, pieces: readonly Uint8Array[], sha256: Uint8Array): Promise<Uint8Array | undefined> {
    const data = this.chunkBuffers.joined(pieces)
    const req = this.nextId++
    const answer = this.ask<{ ok: boolean, data: Uint8Array }>(req)
    this.started().postMessage({ op: 'verify', req, job, offset, data, sha256: sha256.slice() } satisfies ToThread, [data.buffer as ArrayBuffer])
    const { ok, data: back } = await answer
    // answered, match or not: the caller reads only what came back, so a chunk whole in
    // one message buffer gives that buffer back. Parts are left to their joiner, which
    // compares them when a join fails; without an answer (the thread failed) nothing is
    // taken back, as the caller then hashes the pieces itself
    if (pieces.length === 1) this.messageBuffers.recycleUnder(pieces[0])
    this.chunkBuffers.issued(back)
    if (ok) return back
    this.chunkBuffers.recycle(back)
    return undefined
  }

  /**
   * A chunk `verifyChunk` returned is written and no longer used: its buffer serves a
   * chunk to come. Anything else is left alone.
   */
  recycle (chunk: unknown): void {
    if (chunk instanceof Uint8Array) this.chunkBuffers.recycle(chunk)
  }

  /**
   * Starts the thread now, without a job: a node starting calls it, so that its first
   * chunk served or hashed does not wait for the thread to start
   */
  warm (): void {
    this.started()
  }

  /** @internal */
  post (msg: ToThread): void {
    this.started().postMessage(msg)
  }

  /** @internal a promise for the answer to request `req` */
  async ask<T> (req: number): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => this.waiting.set(req, { resolve, reject }))
    // started here, not by the post that follows: an unstarted thread could not be ref'd
    if (this.waiting.size === 1) this.started().ref()
    return answer
  }

  /** @internal a request number */
  id (): number {
    return this.nextId++
  }

  private started (): Worker {
    if (this.worker != null) return this.worker
    // the thread holds a hash state per download and one chunk per read: a small heap is plenty
    const worker = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: THREAD_HEAP })
    worker.on('message', (msg: FromThread) => this.answer(msg))
    worker.on('error', (err) => this.failAll(err))
    worker.on('exit', (code) => {
      this.worker = undefined
      this.failAll(new Error(`hash thread exited with code ${code}`))
    })
    // after the listeners: a 'message' listener refs the thread's port again, and a
    // thread started with nothing asked of it would keep the process alive
    worker.unref()
    this.worker = worker
    return worker
  }

  private answer (msg: FromThread): void {
    const waiter = this.waiting.get(msg.req)
    if (waiter == null) return
    this.waiting.delete(msg.req)
    if (this.waiting.size === 0) this.worker?.unref()
    if ('error' in msg) waiter.reject(rebuilt(msg.error))
    else if ('digest' in msg) waiter.resolve(new Uint8Array(msg.digest))
    else if ('verified' in msg) waiter.resolve(msg.verified)
    else waiter.resolve(msg.read.ok ? { ok: true, data: new Uint8ArrayList(...msg.read.pieces) } satisfies ReadVerifiedResult : msg.read)
  }

  private failAll (err: Error): void {
    const waiters = [...this.waiting.values()]
    this.waiting.clear()
    for (const w of waiters) w.reject(err)
  }
}

/** One whole-file hash on the thread */
export class FileHashJob {
  private end = 0
  private closed = false

  constructor (private readonly thread: HashThread, private readonly job: number) {}

  /** The file's bytes before `end` are final: the thread may hash them */
  hashTo (end: number): void {
    if (this.closed || end <= this.end) return
    this.end = end
    this.thread.post({ op: 'extend', job: this.job, end })
  }

  /** `HashThread.verifyChunk`, feeding this hash when it stands at `offset` */
  async verifyChunk (offset: number, pieces: readonly Uint8Array[], sha256: Uint8Array): Promise<Uint8Array | undefined> {
    return this.thread.verifyChunk(this.closed ? undefined : this.job, offset, pieces, sha256)
  }

  /** The SHA-256 of the file's first `end` bytes (everything given to hashTo); ends the job */
  async digest (end = this.end): Promise<Uint8Array> {
    if (this.closed) throw new Error('FileHashJob.digest after close or digest')
    this.closed = true
    this.thread.jobEnded()
    const req = this.thread.id()
    const answer = this.thread.ask<Uint8Array>(req)
    this.thread.post({ op: 'digest', job: this.job, end, req })
    return answer
  }

  /** Forgets the job (its download stopped before the end) */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.thread.jobEnded()
    this.thread.post({ op: 'close', job: this.job })
  }
}

/** The process's hash thread */
export const hashThread = new HashThread()

/**
 * A download session's `assemble` (FramedStream, exchange/framed-stream.ts says why): its
 * messages of 64 KiB and more, the chunks, go into the thread's reused message buffers
 */
export const chunkMessages = { minBytes: 64 * 1024, take: (length: number) => hashThread.messageBuffer(length) }
