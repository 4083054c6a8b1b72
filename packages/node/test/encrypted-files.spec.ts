/**
 * Encrypted files end to end between real nodes on 127.0.0.1: share for a recipient,
 * download and decrypt (from one and from two sources), refuse without a key, hold the
 * ciphertext without one and serve it, and catch tampering at every layer.
 *
 * Recipients get the file key through real grants: fetched by the download from its
 * source (alice, bob), or pushed once they connect (giveKey).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ENCRYPTION_TAG_LENGTH, bytesToHex, chunkCountFor, chunkLength, chunkOffset, encodeManifest, fileIdFromManifestBytes, formatFileId, parseFileId, type Manifest } from '@peershare/protocol'
import { readableContent } from '../src/download/content-stream.js'
import { decryptDownload } from '../src/download/decrypt-download.js'
import { decryptTempPath } from '../src/download/decrypt-pass.js'
import { fileCipher, sealMetadata, shareEncryptedFile } from '../src/encryption/index.js'
import { FetchSession } from '../src/exchange/fetch-session.js'
import type { PeershareNode } from '../src/index.js'
import type { FileRecord } from '../src/store/file-record.js'
import { startLyingPeer } from './lying-peer.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until, withSmallDisk } from './fixtures.js'

const KiB = 1024
const MiB = 1024 * KiB

describe('encrypted files', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let alice: PeershareNode
  let bob: PeershareNode
  let mallory: PeershareNode
  let liar: Libp2p | undefined
  let src: string
  let shared: FileRecord
  const NAME = 'holiday plans.bin'

  /** Grants `node` the key of `fileId` and waits until the grant is pushed to it (over /peershare/keys/1.0.0) */
  async function giveKey (node: PeershareNode, fileId: string): Promise<void> {
    // connected first: a grant to a peer the sharer cannot reach yet waits for its push's dial timeout
    await node.libp2p.dial(sharer.addresses[0])
    await sharer.keys.grant(fileId, [node.peerId])
    const deadline = Date.now() + 30_000
    while (!(await node.fileKeys.has(fileId))) {
      if (Date.now() > deadline) throw new Error('the grant did not arrive in time')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  before(async () => {
    dir = await tempDir()
    // small chunks: a few MiB make many chunks; upload limits spread a download over two sources
    sharer = await startTestNode(join(dir.path, 'sharer'), { chunkSize: 64 * KiB, limits: { upload: 4 * MiB } })
    alice = await startTestNode(join(dir.path, 'alice'), { limits: { upload: 4 * MiB } })
    bob = await startTestNode(join(dir.path, 'bob'))
    mallory = await startTestNode(join(dir.path, 'mallory'))
    src = await randomFile(dir.path, NAME, 6 * MiB + 321)
    shared = await sharer.share(src, { to: [alice.peerId.toString(), bob.peerId.toString()] })
  })

  afterEach(async () => {
    await liar?.stop()
    liar = undefined
  })

  after(async () => {
    for (const node of [sharer, alice, bob, mallory]) await node?.stop()
    await dir?.cleanup()
  })

  it('shares the ciphertext: tag-sized chunks of a power of two, the plaintext facts sealed, the key kept', async () => {
    const stored = await sharer.store.get(shared.fileId)
    assert.ok(stored != null)
    const { manifest, record } = stored
    assert.ok(manifest.encryption != null)
    assert.equal(manifest.chunkSize, 64 * KiB)
    const plainSize = (await stat(src)).size
    const count = chunkCountFor(plainSize, manifest.chunkSize - ENCRYPTION_TAG_LENGTH)
    assert.equal(manifest.chunkHashes.length, count)
    assert.equal(manifest.size, plainSize + count * ENCRYPTION_TAG_LENGTH)
    assert.equal((await stat(sharer.store.blobPath(shared.fileId))).size, manifest.size)
    assert.equal(record.ciphertext, true)
    assert.equal(record.visibility, 'private')
    assert.deepEqual(record.encrypted, { name: NAME, mimeType: 'application/octet-stream', plaintextSize: plainSize, plaintextSha256: await sha256File(src) })
    // what peers are offered says nothing of the plaintext
    assert.equal(record.metadata.name, shared.fileId)
    assert.notEqual(record.sha256, record.encrypted?.plaintextSha256)
    assert.equal((await sharer.fileKeys.get(shared.fileId))?.from, 'self')
    // not offered in the catalog
    assert.equal(await sharer.discovery.offeredName(shared.fileId), undefined)
  })

  it('refuses recipients that are not Ed25519 peer ids, and clear-text extras', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
    await assert.rejects(sharer.share(src, { to: [secp] }), { name: 'InvalidRecipientError', code: 'ERR_INVALID_RECIPIENT' })
    await assert.rejects(sharer.share(src, { to: ['not-a-peer'] }), { name: 'InvalidRecipientError' })
    await assert.rejects(sharer.share(src, { to: [alice.peerId.toString()], description: 'leaks' }), { name: 'BadRequestError' })
  })

  it('the same key and salt give the same bytes and id; a new share gives a new id', async () => {
    const held = await sharer.fileKeys.get(shared.fileId)
    const salt = (await sharer.store.get(shared.fileId))?.manifest.encryption?.salt
    assert.ok(held != null && salt != null)
    const again = await shareEncryptedFile({ store: sharer.store, fileKeys: sharer.fileKeys, chunkSize: 64 * KiB }, src, { reuse: { key: held.key, salt } })
    assert.equal(again.fileId, shared.fileId)
    const fresh = await sharer.share(src, { to: [] })
    assert.notEqual(fresh.fileId, shared.fileId)
    await sharer.remove(fresh.fileId)
  })

  it('a recipient downloads and decrypts it byte for byte under its sealed name, its key fetched from the source', async () => {
    assert.equal(await alice.fileKeys.has(shared.fileId), false)
    const transfer = await alice.download(shared.fileId, { from: sharer.addresses[0], cwd: join(dir.path, 'alice-out') })
    const record = await transfer.done()
    const out = join(dir.path, 'alice-out', NAME)
    assert.equal(await sha256File(out), await sha256File(src))
    assert.equal(transfer.progress().name, NAME)
    assert.equal(record.encrypted?.path, out)
    assert.equal(record.location.kind, 'blob', 'the ciphertext is kept in the repo, to be served')
    assert.deepEqual(await readdir(join(dir.path, 'alice-out')), [NAME], 'no temporary file is left')
    // get -o - reads it decrypted too
    const parts: Uint8Array[] = []
    const sources = { store: alice.store, transfers: alice.transfers, keys: { fileKeys: alice.fileKeys } }
    for await (const part of readableContent(sources, shared.fileId, AbortSignal.timeout(30_000))) parts.push(part)
    assert.equal(createHash('sha256').update(Buffer.concat(parts)).digest('hex'), await sha256File(src))
  })

  it('a second recipient downloads from two sources: the sharer and the first recipient', async () => {
    const peers = [sharer.addresses[0].toString(), alice.addresses[0].toString()]
    const transfer = await bob.download(shared.fileId, { peers, output: join(dir.path, 'bob.bin') })
    await transfer.done()
    assert.equal(await sha256File(join(dir.path, 'bob.bin')), await sha256File(src))
    const served = transfer.progress().sourceStats.filter(s => s.bytes > 0).map(s => s.peerId).sort()
    assert.deepEqual(served, [sharer.peerId.toString(), alice.peerId.toString()].sort())
  })

  describe('decrypting while the chunks arrive (decrypt-ahead.ts)', () => {
    const LARGE = 'large plans.bin'
    let large: string

    before(async () => {
      large = await randomFile(dir.path, LARGE, 12 * MiB + 321)
    })

    /**
     * A fresh node downloading into `cwd` a file shared for it alone: its only source is
     * the sharer, at 4 MiB/s (about 3 s for 12 MiB), and its key is fetched from there
     */
    async function startDownload (name: string): Promise<{ node: PeershareNode, transfer: Awaited<ReturnType<PeershareNode['download']>>, out: string, tmp: string, cwd: string }> {
      const node = await startTestNode(join(dir.path, name))
      const own = await sharer.share(large, { to: [node.peerId.toString()] })
      const cwd = join(dir.path, `${name}-out`)
      await mkdir(cwd, { recursive: true })
      const transfer = await node.download(own.fileId, { from: sharer.addresses[0], cwd })
      const out = join(cwd, LARGE)
      const { manifest } = (await sharer.store.get(own.fileId))!
      return { node, transfer, out, cwd, tmp: decryptTempPath(out, manifest) }
    }

    /** `transfer` pauses on the full disk with the whole ciphertext held, and nothing left in `cwd` */
    async function pausesWholeOnFullDisk (transfer: Awaited<ReturnType<PeershareNode['download']>>, cwd: string): Promise<void> {
      await assert.rejects(transfer.done(), { code: 'ERR_DISK_FULL' })
      const { bytesDone, bytesTotal } = transfer.progress()
      assert.equal(bytesDone, bytesTotal, 'the whole ciphertext is held')
      assert.deepEqual(await readdir(cwd), [], 'no plaintext left on the full disk')
    }

    /** True once the plaintext beside the output holds bytes while half the chunks are still to come (time left to pause) */
    async function decryptingAhead (transfer: Awaited<ReturnType<PeershareNode['download']>>, tmp: string): Promise<boolean> {
      const { bytesDone, bytesTotal } = transfer.progress()
      const size = (await stat(tmp).catch(() => undefined))?.size ?? 0
      return size > 0 && bytesTotal != null && bytesDone < bytesTotal / 2
    }

    it('the plaintext grows beside the output before the last chunk is in, and is put in place whole', async () => {
      const { node, transfer, out, cwd, tmp } = await startDownload('carol')
      try {
        await until(async () => decryptingAhead(transfer, tmp), 30_000, 'plaintext decrypted before the last chunk')
        const record = await transfer.done()
        assert.equal(await sha256File(out), await sha256File(large))
        assert.equal(record.encrypted?.path, out)
        assert.deepEqual(await readdir(cwd), [LARGE], 'no temporary plaintext left')
      } finally {
        await node.stop()
      }
    })

    it('a pause removes the plaintext decrypted so far; resumed, it decrypts again from the ciphertext held and completes', async () => {
      const { node, transfer, out, cwd, tmp } = await startDownload('frank')
      try {
        await until(async () => decryptingAhead(transfer, tmp), 30_000, 'plaintext decrypted before the last chunk')
        await node.transfers.pause(transfer.fileId)
        assert.ok(transfer.progress().bytesDone < (transfer.progress().bytesTotal ?? 0), 'paused before the last chunk')
        assert.deepEqual(await readdir(cwd), [], 'nothing beside the output while paused')
        await node.transfers.resume(transfer.fileId)
        await transfer.done()
        assert.equal(await sha256File(out), await sha256File(large))
        assert.deepEqual(await readdir(cwd), [LARGE])
      } finally {
        await node.stop()
      }
    })

    it('a disk too small for the plaintext does not hold up the ciphertext: every chunk is fetched, then the download pauses on the full disk, nothing left there', async function () {
      const repo = join(dir.path, 'grace')
      const mounted = await withSmallDisk(dir.path, async mnt => {
        const node = await startTestNode(repo)
        try {
          await giveKey(node, shared.fileId)
          await pausesWholeOnFullDisk(await node.download(shared.fileId, { from: sharer.addresses[0], cwd: mnt }), mnt)
        } finally {
          await node.stop()
        }
      })
      if (!mounted) this.skip()
    })

    it('a disk holding the repo and the output, too small for both: the plaintext gives its room to the ciphertext, whose every chunk is fetched; then the download pauses on the full disk', async function () {
      const mounted = await withSmallDisk(dir.path, async mnt => {
        const node = await startTestNode(join(mnt, 'repo'))
        try {
          await giveKey(node, shared.fileId)
          const cwd = join(mnt, 'out')
          await mkdir(cwd)
          // 6 MiB of ciphertext and 6 MiB of plaintext on a disk of 10 MiB
          await pausesWholeOnFullDisk(await node.download(shared.fileId, { from: sharer.addresses[0], cwd }), cwd)
        } finally {
          await node.stop()
        }
      }, '10m')
      if (!mounted) this.skip()
    })
  })

  it('without a key: NoFileKeyError before any chunk is fetched, nothing written', async () => {
    const out = join(dir.path, 'mallory-out')
    const transfer = await mallory.download(shared.fileId, { from: sharer.addresses[0], cwd: out })
    await assert.rejects(transfer.done(), { name: 'NoFileKeyError', code: 'ERR_NO_FILE_KEY' })
    assert.equal(transfer.progress().bytesReceived, 0)
    assert.equal(transfer.progress().error?.code, 'ERR_NO_FILE_KEY')
    await assert.rejects(stat(out), { code: 'ENOENT' })
    await mallory.transfers.cancel(shared.fileId)
  })

  it('without a grant: NoFileKeyError; granted later, the same download resumes and fetches the key from its source', async () => {
    const erin = await startTestNode(join(dir.path, 'erin'))
    try {
      const refused = await erin.download(shared.fileId, { from: sharer.addresses[0], cwd: join(dir.path, 'erin-out') })
      await assert.rejects(refused.done(), { name: 'NoFileKeyError' })
      await sharer.keys.grant(shared.fileId, [erin.peerId])
      await erin.transfers.resume(shared.fileId)
      const record = await refused.done()
      assert.equal(await sha256File(join(dir.path, 'erin-out', NAME)), await sha256File(src))
      assert.equal(record.encrypted?.name, NAME)
    } finally {
      await erin.stop()
    }
  })

  it('holds the ciphertext without a key, learning neither name nor plaintext hash, and serves a recipient', async () => {
    const held = await mallory.hold(shared.fileId, { from: sharer.addresses[0] })
    assert.equal(held.ciphertext, true)
    assert.equal(held.encrypted, undefined)
    assert.equal(held.metadata.name, shared.fileId)
    const plainSha = await sha256File(src)
    const stored = await mallory.store.get(shared.fileId)
    assert.ok(stored != null)
    for (const text of [JSON.stringify(stored.record), Buffer.from(stored.manifestBytes).toString('latin1')]) {
      assert.ok(!text.includes('holiday'), 'no name')
      assert.ok(!text.includes(plainSha), 'no plaintext hash')
    }
    assert.ok(!Buffer.from(stored.manifestBytes).includes(Buffer.from(plainSha, 'hex')), 'no plaintext hash bytes')
    // what the holder offers a peer
    const exchange = { libp2p: bob.libp2p, limits: bob.config.exchange, dialTimeout: bob.config.dialTimeout }
    const session = await FetchSession.open(exchange, mallory.addresses[0], { kind: 'file-id', fileId: parseFileId(shared.fileId) })
    assert.deepEqual(session.metadata, { name: shared.fileId, mimeType: 'application/octet-stream', description: '', tags: [], created: 0 })
    assert.deepEqual(session.manifestBytes, stored.manifestBytes)
    session.abort(new Error('done looking'))
    // a recipient gets the file from the holder alone
    const carol = await startTestNode(join(dir.path, 'carol'))
    try {
      await giveKey(carol, shared.fileId)
      const transfer = await carol.download(shared.fileId, { from: mallory.addresses[0], output: join(dir.path, 'from-holder.bin') })
      await transfer.done()
      assert.equal(await sha256File(join(dir.path, 'from-holder.bin')), plainSha)
      // carol met the sharer to get her grant, so other sources may serve too; the holder did
      assert.ok(transfer.progress().sourceStats.some(s => s.peerId === mallory.peerId.toString() && s.bytes > 0), 'the holder served chunks')
    } finally {
      await carol.stop()
    }
  })

  it('a node holding the ciphertext decrypts it in place once it has the key: nothing fetched', async () => {
    // after the test above, mallory holds it without a key; the sharer holds its own share
    await giveKey(mallory, shared.fileId)
    for (const node of [mallory, sharer]) {
      const cwd = join(dir.path, `local-${node === sharer ? 'sharer' : 'holder'}`)
      const transfer = await node.download(shared.fileId, { cwd })
      const record = await transfer.done()
      assert.equal(await sha256File(join(cwd, NAME)), await sha256File(src))
      assert.equal(transfer.progress().bytesReceived, 0)
      assert.equal(record.encrypted?.name, NAME)
      assert.equal(record.encrypted?.path, join(cwd, NAME))
      assert.ok(await node.store.has(shared.fileId), 'still held and served')
      assert.equal((await stat(node.store.blobPath(shared.fileId))).size, (await node.store.get(shared.fileId))?.manifest.size)
    }
    assert.equal((await sharer.store.get(shared.fileId))?.record.visibility, 'private', 'the share keeps what it had')
  })

  it('a provider flipping ciphertext bits is caught at the chunk hash and banned', async () => {
    const stored = await sharer.store.get(shared.fileId)
    assert.ok(stored != null)
    const blob = await readFile(sharer.store.blobPath(shared.fileId))
    const chunks = stored.manifest.chunkHashes.map((_, i) => blob.subarray(chunkOffset(stored.manifest, i), chunkOffset(stored.manifest, i) + chunkLength(stored.manifest, i)))
    // every chunk it sends has a flipped byte: the sharer, a source too since it granted the key, may win any
    // one chunk, so a liar of one chunk could be outrun before its third strike
    liar = await startLyingPeer(stored, chunks, { kind: 'corrupt-all' })
    const getter = await startTestNode(join(dir.path, 'getter'))
    try {
      await giveKey(getter, shared.fileId)
      const transfer = await getter.download(shared.fileId, { from: liar.getMultiaddrs()[0], output: join(dir.path, 'liar.bin') })
      await until(() => transfer.progress().banned.includes(liar!.peerId.toString()), 30_000)
      transfer.suggest([sharer.addresses[0].toString()])
      await transfer.done()
      assert.equal(await sha256File(join(dir.path, 'liar.bin')), await sha256File(src))
      assert.deepEqual(transfer.progress().banned, [liar.peerId.toString()])
    } finally {
      await getter.stop()
    }
  })

  it('encrypting a large file takes constant memory: a few chunks at a time, whatever the size', async function () {
    this.timeout(300_000)
    const size = 320 * MiB
    const big = await randomFile(dir.path, 'big.bin', size)
    const used = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers }
    const before = used()
    let peak = before
    const sampler = setInterval(() => { peak = Math.max(peak, used()) }, 5)
    try {
      const record = await sharer.share(big, { to: [alice.peerId.toString()] })
      peak = Math.max(peak, used())
      assert.equal(record.encrypted?.plaintextSize, size)
      await sharer.remove(record.fileId)
    } finally {
      clearInterval(sampler)
      await rm(big, { force: true })
    }
    // a copy of the file in memory would be 320 MiB; each chunk's garbage waits for the collector, which
    // V8 runs at the latest every 64 MiB of new external memory (about 70 MiB measured here)
    assert.ok(peak - before < 128 * MiB, `memory grew by ${((peak - before) / MiB).toFixed(1)} MiB while encrypting ${size / MiB} MiB`)
  })

  describe('a sharer that encrypted something else', () => {
    /** Shares `manifest` and its ciphertext `blob` as the sharer's own file (its key kept); returns its id */
    async function shareForged (manifest: Manifest, blob: Uint8Array): Promise<string> {
      const manifestBytes = encodeManifest(manifest)
      const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
      await writeFile(sharer.store.blobPath(fileId), blob)
      const record: FileRecord = { ...shared, fileId, sha256: bytesToHex(manifest.sha256), size: manifest.size, metadata: { ...shared.metadata, name: fileId } }
      await sharer.store.put(record, manifestBytes)
      const held = await sharer.fileKeys.get(shared.fileId)
      await sharer.fileKeys.put(fileId, { key: held!.key, from: 'self', added: Date.now() })
      await giveKey(alice, fileId)
      return fileId
    }

    /** The shared file's manifest rebuilt around `blob` (hashes of its chunks and whole) with `sealed` metadata */
    async function forge (change: { blob?: (b: Buffer) => void, sha256?: Uint8Array, size?: number }): Promise<string> {
      const stored = (await sharer.store.get(shared.fileId))!
      const blob = Buffer.from(await readFile(sharer.store.blobPath(shared.fileId)))
      change.blob?.(blob)
      const { manifest } = stored
      const chunkHashes = manifest.chunkHashes.map((_, i) => createHash('sha256').update(blob.subarray(chunkOffset(manifest, i), chunkOffset(manifest, i) + chunkLength(manifest, i))).digest())
      const cipher = fileCipher((await sharer.fileKeys.get(shared.fileId))!.key, manifest.encryption!.salt)
      const plainSha = Buffer.from(shared.encrypted!.plaintextSha256, 'hex')
      const encryption = sealMetadata(cipher, { name: 'forged.bin', mimeType: 'text/plain', size: change.size ?? shared.encrypted!.plaintextSize, sha256: change.sha256 ?? plainSha })
      return shareForged({ ...manifest, chunkHashes, sha256: createHash('sha256').update(blob).digest(), encryption }, blob)
    }

    async function expectFailure (fileId: string, code: string): Promise<void> {
      const cwd = join(dir.path, `forged-${code}-${fileId.slice(-6)}`)
      const transfer = await alice.download(fileId, { from: sharer.addresses[0], cwd })
      await assert.rejects(transfer.done(), { code })
      // nothing at the output, no plaintext left beside it
      assert.deepEqual(await readdir(cwd).catch(() => []), [])
      await alice.transfers.cancel(fileId)
    }

    it('a chunk that hashes right but fails its tag: DecryptionError, no plaintext anywhere', async () => {
      const id = await forge({ blob: b => { b[100] ^= 1 } })
      await expectFailure(id, 'ERR_DECRYPTION')
    })

    it('a sealed SHA-256 the plaintext does not have: DecryptionError, no plaintext anywhere', async () => {
      const id = await forge({ sha256: createHash('sha256').update('something else').digest() })
      await expectFailure(id, 'ERR_DECRYPTION')
    })

    it('a sealed size that does not fit the ciphertext: DecryptionError before any chunk', async () => {
      const id = await forge({ size: shared.encrypted!.plaintextSize + 1 })
      await expectFailure(id, 'ERR_DECRYPTION')
    })
  })

  it('a decryption that failed runs again after a restart, from the ciphertext kept: nothing fetched again', async () => {
    const repo = join(dir.path, 'dave')
    const cwd = join(dir.path, 'dave-out')
    const out = join(cwd, NAME)
    let dave = await startTestNode(repo)
    try {
      await giveKey(dave, shared.fileId)
      const transfer = await dave.download(shared.fileId, { from: sharer.addresses[0], cwd })
      // once the output is chosen, something takes its place: placing the plaintext fails at the end
      await until(() => transfer.progress().bytesTotal != null)
      await mkdir(out, { recursive: true })
      await assert.rejects(transfer.done(), { name: 'OutputExistsError' })
      assert.deepEqual(await readdir(cwd), [NAME], 'no temporary plaintext left')
      await rm(out, { recursive: true })
      await dave.stop()
      dave = await startTestNode(repo)
      const restored = dave.transfers.get(shared.fileId)
      assert.ok(restored != null)
      await dave.transfers.resume(shared.fileId)
      const record = await restored.done()
      assert.equal(await sha256File(out), await sha256File(src))
      assert.equal(record.encrypted?.path, out)
      assert.equal(restored.progress().bytesReceived, 0, 'the ciphertext was kept, not fetched again')
    } finally {
      await dave.stop()
    }
  })

  it('a run killed after placing the plaintext finds it whole and completes; another file there is refused', async () => {
    const stored = (await sharer.store.get(shared.fileId))!
    const held = (await sharer.fileKeys.get(shared.fileId))!
    const file = { cipher: fileCipher(held.key, stored.manifest.encryption!.salt), sealed: { name: NAME, mimeType: 'application/octet-stream', size: shared.encrypted!.plaintextSize, sha256: Buffer.from(shared.encrypted!.plaintextSha256, 'hex') } }
    const out = join(dir.path, 'placed.bin')
    await copyFile(src, out)
    await decryptDownload(sharer.store.blobPath(shared.fileId), stored.manifest, file, out, false)
    await writeFile(out, 'another file')
    await assert.rejects(decryptDownload(sharer.store.blobPath(shared.fileId), stored.manifest, file, out, false), { name: 'OutputExistsError' })
    assert.equal(await readFile(out, 'utf8'), 'another file')
    await decryptDownload(sharer.store.blobPath(shared.fileId), stored.manifest, file, out, true)
    assert.equal(await sha256File(out), await sha256File(src))
  })
})
