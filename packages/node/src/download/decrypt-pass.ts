/**
 * The pass that turns a complete, verified ciphertext into its plaintext file
 * (decrypt-download.ts says when it runs). It was a loop that read a chunk, decrypted
 * it, hashed it and wrote it, each step waiting for the one before, then synced 256 MiB
 * at the end: 1.1-1.5 s for a 256 MiB file on the bench's 2-core machine, as long again
 * as the download itself (doc/LIMITS.md, known gap 23). Here the steps overlap:
 * - reads run READ_AHEAD chunks ahead, into buffers kept for the pass (a fresh 1 MiB
 *   buffer per chunk costs page faults and collector work);
 * - the main thread only decrypts; the plaintext is written behind it, in order, at most
 *   WRITE_BEHIND chunks queued;
 * - the plaintext SHA-256 is taken on the hash thread, which reads the written prefix
 *   back from the page cache while the next chunks decrypt;
 * - the file is synced as it grows (SYNC_AHEAD_BYTES), so the last sync is short.
 * Every chunk's tag still checks before any of its bytes is written, and nothing is
 * trusted until the whole plaintext's hash is the sealed one. A download runs the same
 * pass while its chunks arrive (decrypt-ahead.ts): `ready` then holds each read until its
 * chunk is in.
 */
import { type FileHandle, open } from 'node:fs/promises'
import { ENCRYPTION_TAG_LENGTH, type Manifest, type SealedMetadata, chunkLength, chunkOffset } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { type FileCipher, decryptChunk } from '../encryption/index.js'
import { DecryptionError, fsError } from '../errors.js'
import { userFileMode } from '../file-modes.js'
import { readUpTo, ShortReadError } from '../fs-read.js'
import { hashThread } from '../hash-thread/index.js'
import { SYNC_AHEAD_BYTES } from './download-content.js'
import { siblingPath } from './partial-file.js'

/** Ciphertext chunks read ahead of the one being decrypted */
const READ_AHEAD = 4
/** Plaintext chunks queued for writing before decryption waits for them */
const WRITE_BEHIND = 4

/**
 * Where the plaintext of encrypted file `manifest` going to `output` is written before it
 * is put in place: named by the file's salt too, so two downloads that chose the same
 * output (two files of one name into one folder) never write into one temporary file
 */
export function decryptTempPath (output: string, manifest: Manifest): string {
  const salt = manifest.encryption?.salt ?? new Uint8Array(0)
  return siblingPath(output, `.${Buffer.from(salt.subarray(0, 6)).toString('hex')}.peershare-decrypt`)
}

/** An encrypted file opened with its key */
export interface UnlockedFile {
  cipher: FileCipher
  sealed: SealedMetadata
}

export interface DecryptPassOptions {
  /** resolves once ciphertext chunk `index` is in the file (undefined: it is); rejects to stop the pass */
  ready?: (index: number) => Promise<void> | undefined
}

/**
 * Decrypts the ciphertext of `manifest` at `cipherPath` into a new file at `tmp` (the
 * user's file mode), checks the plaintext's SHA-256 and syncs it. Throws DecryptionError
 * for a chunk whose tag fails or a plaintext whose hash is not the sealed one; the
 * caller removes `tmp` then.
 */
export async function decryptFile (cipherPath: string, manifest: Manifest, file: UnlockedFile, tmp: string, options: DecryptPassOptions = {}): Promise<void> {
  const input = await open(cipherPath, 'r').catch((err: any) => { throw fsError(err, cipherPath) })
  let output: FileHandle | undefined
  try {
    output = await open(tmp, 'w', 0o600).catch((err: any) => { throw fsError(err, tmp) })
    const mode = userFileMode()
    if (mode != null) await output.chmod(mode)
    await decryptPass(input, cipherPath, output, tmp, manifest, file, options)
  } finally {
    await input.close()
    await output?.close()
  }
}

/** The pass itself; every read and write has settled when it returns or throws, so the caller may close both handles */
async function decryptPass (input: FileHandle, cipherPath: string, output: FileHandle, outputPath: string, manifest: Manifest, file: UnlockedFile, options: DecryptPassOptions): Promise<void> {
  const count = manifest.chunkHashes.length
  const reads = new ReadAhead(input, cipherPath, manifest, options.ready)
  const writes = new WriteBehind(output, outputPath)
  const hash = hashThread.fileHash(outputPath)
  try {
    let at = 0
    for (let index = 0; index < count; index++) {
      const ciphertext = await reads.take(index)
      const plain = decryptChunk(file.cipher, index, count, ciphertext)
      // its buffer is free once decrypted: the read of a chunk further on may fill it
      reads.release(index, ciphertext)
      const end = at + plain.byteLength
      await writes.put(plain, at, () => { hash.hashTo(end) })
      at = end
    }
    await writes.finish()
    const digest = await hash.digest(at)
    if (!equals(digest, file.sealed.sha256)) throw new DecryptionError(`The decrypted ${file.sealed.name} does not have the SHA-256 its sealed metadata gives: the sharer encrypted something else`)
  } finally {
    hash.close()
    await Promise.all([reads.settled(), writes.settled()])
  }
}

/** Reads of the ciphertext's chunks, READ_AHEAD ahead, into buffers the pass reuses */
class ReadAhead {
  private readonly pending = new Map<number, Promise<Uint8Array>>()
  private readonly free: Buffer[] = []
  private next = 0

  constructor (private readonly input: FileHandle, private readonly path: string, private readonly manifest: Manifest, private readonly ready: DecryptPassOptions['ready']) {}

  /** Chunk `index` (its reads begin with the first take); the chunks after it are asked for meanwhile */
  async take (index: number): Promise<Uint8Array> {
    this.fill(index)
    const read = this.pending.get(index) as Promise<Uint8Array>
    this.pending.delete(index)
    return read
  }

  /** The buffer of chunk `index`, decrypted: the chunk READ_AHEAD further on is read into it */
  release (index: number, buffer: Uint8Array): void {
    if (buffer.byteLength === this.manifest.chunkSize) this.free.push(buffer as Buffer)
    this.fill(index + 1)
  }

  /** Every read begun has ended (each failure was, or will not be, someone's to see) */
  async settled (): Promise<void> {
    await Promise.allSettled(this.pending.values())
  }

  private fill (from: number): void {
    const count = this.manifest.chunkHashes.length
    while (this.next < count && this.next < from + READ_AHEAD) {
      const index = this.next++
      const read = this.read(index)
      read.catch(() => {})
      this.pending.set(index, read)
    }
  }

  private async read (index: number): Promise<Uint8Array> {
    const length = chunkLength(this.manifest, index)
    if (length < ENCRYPTION_TAG_LENGTH) throw new DecryptionError(`Chunk ${index} is shorter than a tag`)
    await this.ready?.(index)
    const buffer = length === this.manifest.chunkSize ? this.free.pop() ?? Buffer.allocUnsafeSlow(length) : Buffer.allocUnsafe(length)
    const n = await readUpTo(this.input, buffer, chunkOffset(this.manifest, index)).catch((err: any) => { throw fsError(err, this.path) })
    if (n < length) throw new ShortReadError(`${this.path} ended after ${n} of ${length} bytes of chunk ${index}`)
    return buffer
  }
}

/** Writes in order, WRITE_BEHIND at most queued, with syncs as the file grows */
class WriteBehind {
  private chain: Promise<void> = Promise.resolve()
  private queued = 0
  private failure: Error | undefined
  private space: (() => void) | undefined
  private unsynced = 0
  private syncing: Promise<void> | undefined

  constructor (private readonly output: FileHandle, private readonly path: string) {}

  /** Queues `data` at `position`; `written` runs once it (and all before it) is in the file. Waits while the queue is full */
  async put (data: Uint8Array, position: number, written: () => void): Promise<void> {
    this.throwFailure()
    this.queued++
    this.chain = this.chain.then(async () => {
      if (this.failure != null) return
      try {
        await writeAll(this.output, data, position, this.path)
        written()
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

  /** Every write done and the file synced; throws the first failure */
  async finish (): Promise<void> {
    await this.chain
    await this.syncing
    this.throwFailure()
    await this.output.sync().catch((err: any) => { throw fsError(err, this.path) })
  }

  async settled (): Promise<void> {
    await this.chain
    await this.syncing
  }

  /** Starts a sync once SYNC_AHEAD_BYTES were written since the last one began, one at a time */
  private grew (bytes: number): void {
    this.unsynced += bytes
    if (this.unsynced < SYNC_AHEAD_BYTES || this.syncing != null) return
    this.unsynced = 0
    this.syncing = this.output.datasync()
      .catch((err: any) => { this.failure ??= fsError(err, this.path) })
      .finally(() => { this.syncing = undefined })
  }

  private throwFailure (): void {
    if (this.failure != null) throw this.failure
  }
}

async function writeAll (handle: FileHandle, data: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done).catch((err: any) => { throw fsError(err, path) })
    done += bytesWritten
  }
}
