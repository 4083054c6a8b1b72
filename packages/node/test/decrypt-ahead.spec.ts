/**
 * The decryption that follows an encrypted download's chunks (download/decrypt-ahead.ts)
 * on a real ciphertext file and the real hash thread: it waits for each chunk, stops
 * cleanly at any point, hands its file over only when whole and checked, and leaves
 * nothing behind otherwise. (End to end, with nodes: encrypted-files.spec.)
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ENCRYPTION_SCHEME_AES256GCM, type Manifest } from '@peershare/protocol'
import { DecryptAhead } from '../src/download/decrypt-ahead.js'
import { decryptTempPath, type UnlockedFile } from '../src/download/decrypt-pass.js'
import { encryptChunk, fileCipher, newFileKey, newSalt } from '../src/encryption/index.js'
import { tempDir, type TestDir, until } from './fixtures.js'

const CHUNK = 64 * 1024
const PLAIN_CHUNK = CHUNK - 16
const COUNT = 20
/** the last chunk is short */
const PLAIN_SIZE = (COUNT - 1) * PLAIN_CHUNK + 1000

describe('decrypting ahead of a download (DecryptAhead)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let plaintext: Buffer
  let ciphertext: Buffer
  let manifest: Manifest
  let file: UnlockedFile
  const logged: string[] = []
  const log = Object.assign((format: string, ...args: unknown[]) => { logged.push([format, ...args].join(' ')) }, { error: () => {}, trace: () => {}, enabled: false }) as any

  before(async () => {
    dir = await tempDir()
    plaintext = Buffer.alloc(PLAIN_SIZE)
    for (let i = 0; i < PLAIN_SIZE; i++) plaintext[i] = (i * 7919) % 251
    const salt = newSalt()
    const cipher = fileCipher(newFileKey(), salt)
    const chunks: Buffer[] = []
    for (let i = 0; i < COUNT; i++) chunks.push(encryptChunk(cipher, i, COUNT, plaintext.subarray(i * PLAIN_CHUNK, Math.min(PLAIN_SIZE, (i + 1) * PLAIN_CHUNK))))
    ciphertext = Buffer.concat(chunks)
    manifest = {
      version: 1,
      size: ciphertext.byteLength,
      chunkSize: CHUNK,
      chunkHashes: chunks.map(c => createHash('sha256').update(c).digest()),
      sha256: createHash('sha256').update(ciphertext).digest(),
      encryption: { scheme: ENCRYPTION_SCHEME_AES256GCM, salt, sealedMetadata: new Uint8Array(0) }
    }
    file = { cipher, sealed: { name: 'plain.bin', mimeType: 'application/octet-stream', size: PLAIN_SIZE, sha256: createHash('sha256').update(plaintext).digest() } }
  })

  after(async () => {
    await dir?.cleanup()
  })

  /** A partial file holding `bytes`, the chunks in `have` counted as in, and an ahead pass following it into `<name>` */
  async function follow (name: string, bytes: Buffer, have = new Set<number>(), unlocked: UnlockedFile | null = file): Promise<{ ahead: DecryptAhead, have: Set<number>, tmp: string }> {
    const partial = join(dir.path, `${name}.partial`)
    await writeFile(partial, bytes)
    const output = join(dir.path, name)
    const ahead = new DecryptAhead({ manifest, have, partial: { path: partial } }, output, async () => unlocked ?? undefined, log)
    return { ahead, have, tmp: decryptTempPath(output, manifest) }
  }

  const all = (): Set<number> => new Set(Array.from({ length: COUNT }, (_, i) => i))
  const sizeOf = async (path: string): Promise<number> => (await stat(path).catch(() => undefined))?.size ?? -1

  it('decrypts each chunk once it is in, in order, and hands over the whole checked plaintext', async () => {
    const { ahead, have, tmp } = await follow('in-order.bin', ciphertext)
    for (const i of [0, 1, 2, 3, 4]) { have.add(i); ahead.written(i) }
    await until(async () => await sizeOf(tmp) === 5 * PLAIN_CHUNK, 20_000, 'the first five chunks decrypted')
    // chunk 6 without chunk 5: nothing past chunk 4 yet
    have.add(6)
    ahead.written(6)
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(await sizeOf(tmp), 5 * PLAIN_CHUNK)
    for (let i = 5; i < COUNT; i++) { have.add(i); ahead.written(i) }
    assert.equal(await ahead.finish(), true)
    await ahead.stop()
    assert.ok((await readFile(tmp)).equals(plaintext), 'the plaintext, byte for byte, is left for the caller')
  })

  it('stopped before finish: its file is removed and finish says to decrypt after all', async () => {
    const { ahead, tmp } = await follow('stopped.bin', ciphertext, all())
    await until(async () => await sizeOf(tmp) === PLAIN_SIZE, 20_000, 'the whole plaintext written')
    await Promise.all([ahead.stop(), ahead.stop()])
    assert.equal(await sizeOf(tmp), -1)
    assert.equal(await ahead.finish(), false)
  })

  it('stopped while it waits for a chunk: it ends at once, nothing left', async () => {
    const { ahead, tmp } = await follow('waiting.bin', ciphertext, new Set([0, 1, 2]))
    await until(async () => await sizeOf(tmp) === 3 * PLAIN_CHUNK, 20_000, 'three chunks decrypted')
    await ahead.stop()
    assert.equal(await sizeOf(tmp), -1)
    assert.equal(await ahead.finish(), false)
  })

  it('a chunk that fails its tag when read back stops it: finish says false, nothing left', async () => {
    const damaged = Buffer.from(ciphertext)
    damaged[3 * CHUNK + 10] ^= 1
    const { ahead, tmp } = await follow('damaged.bin', damaged, all())
    assert.equal(await ahead.finish(), false)
    assert.equal(await sizeOf(tmp), -1)
    await ahead.stop()
    assert.ok(logged.some(line => line.includes('Chunk 3 fails authentication')), logged.join('\n'))
  })

  it('without a key held it decrypts nothing', async () => {
    const { ahead, tmp } = await follow('no-key.bin', ciphertext, all(), null)
    assert.equal(await ahead.finish(), false)
    assert.equal(await sizeOf(tmp), -1)
  })

  it('two files going to one output write two temporary files', () => {
    const other = { ...manifest, encryption: { ...manifest.encryption!, salt: newSalt() } }
    const output = join(dir.path, 'same name.bin')
    assert.notEqual(decryptTempPath(output, manifest), decryptTempPath(output, other))
    assert.ok(decryptTempPath(output, manifest).endsWith('.peershare-decrypt'))
  })
})
