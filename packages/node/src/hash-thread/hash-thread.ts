/** The owner's side of the hash thread (contract: index.ts) */
import { Worker } from 'node:worker_threads'
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

export class HashThread {
  private worker: Worker | undefined
  private nextId = 1
  /** requests waiting for an answer; the thread is ref'd only while there are some */
  private readonly waiting = new Map<number, Waiter>()

  /** A whole-file hash of `path`, fed with how far the file may be read */
  fileHash (path: string): FileHashJob {
    const job = this.nextId++
    this.post({ op: 'open', job, path })
    return new FileHashJob(this, job)
  }

  /** Reads `length` bytes at `offset` of `path` and checks them against `sha256`, on the thread */
  async readVerified (path: string, offset: number, length: number, sha256: Uint8Array): Promise<ReadVerifiedResult> {
    const req = this.nextId++
    const answer = this.ask<ReadVerifiedResult>(req)
    this.post({ op: 'read', req, path, offset, length, sha256 })
    return answer
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
    if (this.waiting.size === 1) this.worker?.ref()
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
    else waiter.resolve(msg.read.ok ? { ok: true, data: Buffer.from(msg.read.data.buffer, msg.read.data.byteOffset, msg.read.data.byteLength) } : msg.read)
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

  /** The SHA-256 of the file's first `end` bytes (everything given to hashTo); ends the job */
  async digest (end = this.end): Promise<Uint8Array> {
    if (this.closed) throw new Error('FileHashJob.digest after close or digest')
    this.closed = true
    const req = this.thread.id()
    const answer = this.thread.ask<Uint8Array>(req)
    this.thread.post({ op: 'digest', job: this.job, end, req })
    return answer
  }

  /** Forgets the job (its download stopped before the end) */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.thread.post({ op: 'close', job: this.job })
  }
}

/** The process's hash thread */
export const hashThread = new HashThread()
