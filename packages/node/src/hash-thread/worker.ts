/**
 * The hash thread itself (see index.ts): whole-file hashes fed by reading the file back
 * in order, and checked chunk reads. Runs in a worker_threads Worker.
 */
import { createHash, type Hash, timingSafeEqual } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { parentPort } from 'node:worker_threads'
import type { FromThread, ReadAnswer, ToThread } from './messages.js'

/** Bytes read back per step of a whole-file hash */
const STEP = 1024 * 1024

interface Job {
  readonly path: string
  readonly hash: Hash
  /** bytes hashed so far, and how far the caller said the file may be read */
  hashed: number
  end: number
  /** a digest asked for, answered once `hashed` reaches its end */
  digest?: { req: number, end: number }
  running: boolean
  /** the job's read buffer: one per job, not one per pass (a pass runs for each chunk written) */
  buf?: Buffer
  failed?: { message: string, code?: string, name?: string }
  closed: boolean
}

const jobs = new Map<number, Job>()
const port = parentPort
if (port == null) throw new Error('hash-thread worker must run in a worker thread')

function reply (msg: FromThread, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(msg, transfer)
}

function errorOf (err: any): { message: string, code?: string, name?: string } {
  return { message: err?.message ?? String(err), code: err?.code, name: err?.name }
}

port.on('message', (msg: ToThread) => {
  switch (msg.op) {
    case 'open':
      jobs.set(msg.job, { path: msg.path, hash: createHash('sha256'), hashed: 0, end: 0, running: false, closed: false })
      return
    case 'extend':
    case 'digest': {
      const job = jobs.get(msg.job)
      if (job == null) {
        if (msg.op === 'digest') reply({ req: msg.req, error: { message: `hash job ${msg.job} is unknown` } })
        return
      }
      job.end = Math.max(job.end, msg.end)
      if (msg.op === 'digest') job.digest = { req: msg.req, end: msg.end }
      // a pass never throws (its errors fail the job), but a bug here must not kill the thread and every job with it
      run(msg.job, job).catch(err => { if (job.digest != null) reply({ req: job.digest.req, error: errorOf(err) }) })
      return
    }
    case 'close': {
      const job = jobs.get(msg.job)
      if (job != null) job.closed = true
      jobs.delete(msg.job)
      return
    }
    case 'verify': {
      // a bug here must not kill the thread and every job with it
      try {
        const ok = verifyChunk(msg)
        reply({ req: msg.req, verified: { ok, data: msg.data } }, [msg.data.buffer as ArrayBuffer])
      } catch (err) {
        reply({ req: msg.req, error: errorOf(err) })
      }
      return
    }
    case 'read':
      readVerified(msg).then(
        read => reply({ req: msg.req, read }, read.ok ? read.pieces.map(p => p.buffer as ArrayBuffer) : []),
        err => reply({ req: msg.req, error: errorOf(err) })
      )
  }
})

/** Hashes the job's file up to its end; one run per job at once */
async function run (id: number, job: Job): Promise<void> {
  if (job.running || job.failed != null) return answerDigest(id, job)
  job.running = true
  try {
    // an end extended while a pass closed its file came to a run that saw this one running and
    // left: pass again until nothing is left, or a digest for those bytes would wait for ever
    while (job.hashed < job.end && !job.closed && job.failed == null) await pass(job)
  } finally {
    job.running = false
  }
  answerDigest(id, job)
}

/** Reads the file from where the hash stands to the job's end, one step at a time */
async function pass (job: Job): Promise<void> {
  let file: FileHandle | undefined
  try {
    job.buf ??= Buffer.allocUnsafe(STEP)
    const buf = job.buf
    while (job.hashed < job.end && !job.closed) {
      file ??= await open(job.path, 'r')
      const want = Math.min(STEP, job.end - job.hashed)
      const { bytesRead } = await file.read(buf, 0, want, job.hashed)
      if (bytesRead === 0) throw Object.assign(new Error(`${job.path} ended at ${job.hashed} bytes, before ${job.end}`), { code: 'ERR_SHORT_READ' })
      job.hash.update(buf.subarray(0, bytesRead))
      job.hashed += bytesRead
    }
  } catch (err) {
    job.failed = errorOf(err)
  } finally {
    // the run stays busy until the file is closed: a digest arriving meanwhile waits for it
    await file?.close().catch(() => {})
  }
}

/** Answers the digest asked for, once: the job is gone from `jobs` after its answer */
function answerDigest (id: number, job: Job): void {
  const asked = job.digest
  if (asked == null || jobs.get(id) !== job) return
  if (job.failed != null) {
    jobs.delete(id)
    reply({ req: asked.req, error: job.failed })
    return
  }
  if (job.running || job.hashed < asked.end) return
  jobs.delete(id)
  reply({ req: asked.req, digest: job.hash.digest() })
}

/**
 * A chunk's hash check; a matching chunk that continues a whole-file hash is hashed into it
 * at once. Not while a pass reads the file back: the pass has asked for the bytes at
 * `hashed` already, and would hash them a second time.
 */
function verifyChunk (msg: Extract<ToThread, { op: 'verify' }>): boolean {
  if (!sameDigest(createHash('sha256').update(msg.data).digest(), msg.sha256)) return false
  const job = msg.job == null ? undefined : jobs.get(msg.job)
  if (job == null || job.running || job.closed || job.failed != null || job.hashed !== msg.offset) return true
  job.hash.update(msg.data)
  job.hashed += msg.data.byteLength
  job.end = Math.max(job.end, job.hashed)
  if (msg.job != null) answerDigest(msg.job, job)
  return true
}

function sameDigest (digest: Uint8Array, expected: Uint8Array): boolean {
  return digest.byteLength === expected.byteLength && timingSafeEqual(digest, expected)
}

/**
 * A checked read fills a buffer the thread keeps, and its bytes leave in fresh pieces of
 * this size copied out of it. The pieces go to a connection, which lets go of them at a
 * time nobody can tell, so they are never reused by us. A fresh 1 MiB buffer per read
 * took its page faults in the read (about 15 µs each on these VMs, in the file pool).
 * 256 KiB is yamux's largest data frame (`YAMUX_MAX_FRAME_BYTES`), so a frame goes to
 * the socket as one or two writes, as it did from one buffer. Paired runs of a 256 MiB
 * transfer, 12 each, alternating with a fresh 1 MiB buffer per read: the sender's CPU
 * 1.43 against 1.50 s (median), the rate 141.6 against 134.7 MiB/s. 64 KiB pieces cost
 * the sender's event loop a TLS write each, more than they saved (1.66 against 1.53 s).
 */
const PIECE_BYTES = 256 * 1024
/** Read buffers kept for the next reads: one per read at once, as a sender reads ahead */
const READ_BUFFERS_KEPT = 4
/** The least a read buffer holds (the default chunk size): a small read (a short last chunk) never makes a buffer too small for the next */
const READ_BUFFER_MIN = 1024 * 1024
const readBuffers: Buffer[] = []

async function readVerified (msg: Extract<ToThread, { op: 'read' }>): Promise<ReadAnswer> {
  const buffer = takeReadBuffer(msg.length)
  try {
    const data = buffer.subarray(0, msg.length)
    const file = await open(msg.path, 'r')
    try {
      let filled = 0
      while (filled < msg.length) {
        const { bytesRead } = await file.read(data, filled, msg.length - filled, msg.offset + filled)
        if (bytesRead === 0) return { ok: false, short: true }
        filled += bytesRead
      }
    } finally {
      await file.close()
    }
    if (!sameDigest(createHash('sha256').update(data).digest(), msg.sha256)) return { ok: false, short: false }
    return { ok: true, pieces: copiedOut(data) }
  } finally {
    keepReadBuffer(buffer)
  }
}

/** The smallest kept read buffer of at least `length` bytes, or a new one */
function takeReadBuffer (length: number): Buffer {
  let best = -1
  for (let i = 0; i < readBuffers.length; i++) {
    if (readBuffers[i].byteLength >= length && (best === -1 || readBuffers[i].byteLength < readBuffers[best].byteLength)) best = i
  }
  return best === -1 ? Buffer.allocUnsafeSlow(Math.max(length, READ_BUFFER_MIN)) : readBuffers.splice(best, 1)[0]
}

/** Keeps `buffer` for a later read; with READ_BUFFERS_KEPT kept, it takes the smallest one's place if it is larger */
function keepReadBuffer (buffer: Buffer): void {
  if (readBuffers.length < READ_BUFFERS_KEPT) {
    readBuffers.push(buffer)
    return
  }
  let smallest = 0
  for (let i = 1; i < readBuffers.length; i++) if (readBuffers[i].byteLength < readBuffers[smallest].byteLength) smallest = i
  if (buffer.byteLength > readBuffers[smallest].byteLength) readBuffers[smallest] = buffer
}

/** `data` copied into pieces of PIECE_BYTES, each on an ArrayBuffer of its own (allocUnsafeSlow: never the pool's), so it can be transferred */
function copiedOut (data: Buffer): Uint8Array[] {
  const pieces: Uint8Array[] = []
  for (let at = 0; at < data.byteLength; at += PIECE_BYTES) {
    // not zeroed: every byte is written at once
    const piece = Buffer.allocUnsafeSlow(Math.min(PIECE_BYTES, data.byteLength - at))
    data.copy(piece, 0, at, at + piece.byteLength)
    pieces.push(new Uint8Array(piece.buffer, 0, piece.byteLength))
  }
  return pieces
}
