/**
 * The pass that turns a complete, verified ciphertext into its plaintext file
 * (decrypt-download.ts says when it runs). It was a loop that read a chunk, decrypted
 * it, hashed it and wrote it, each step waiting for the one before, then synced 256 MiB
 * at the end: 1.1-1.5 s for a 256 MiB file on the bench's 2-core machine, as long again
 * as the download itself (doc/LIMITS.md, known gap 23). Here the steps overlap
 * (fs-pipeline.ts): reads run ahead into reused buffers, the main thread only decrypts,
 * the plaintext is written behind it in order and synced as it grows, and its SHA-256 is
 * taken on the hash thread, which reads the written prefix back from the page cache while
 * the next chunks decrypt. Every chunk's tag still checks before any of its bytes is
 * written, and nothing is trusted until the whole plaintext's hash is the sealed one. A
 * download runs the same pass while its chunks arrive (decrypt-ahead.ts): `ready` then
 * holds each read until its chunk is in.
 */
import { type FileHandle, open } from 'node:fs/promises'
import { type Manifest, type SealedMetadata, chunkLength, chunkOffset } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { type FileCipher, decryptChunk } from '../encryption/index.js'
import { DecryptionError, fsError } from '../errors.js'
import { userFileMode } from '../file-modes.js'
import { ReadAhead, WriteBehind, fileSink } from '../fs-pipeline.js'
import { ShortReadError } from '../fs-read.js'
import { hashThread } from '../hash-thread/index.js'
import { siblingPath } from './partial-file.js'

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
  const reads = new ReadAhead(input, cipherPath, {
    count,
    offset: index => chunkOffset(manifest, index),
    length: index => chunkLength(manifest, index)
  }, {
    ready: options.ready,
    short: (index, read) => new ShortReadError(`${cipherPath} ended after ${read} bytes of chunk ${index}`)
  })
  const writes = new WriteBehind(fileSink(output, outputPath))
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
