import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from '@peershare/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until, withSmallDisk } from './fixtures.js'

describe('share and get between two nodes over TCP', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
  })

  after(async () => {
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  const sizes: Array<[string, number]> = [
    ['0 B', 0],
    ['1 B', 1],
    ['chunk - 1', DEFAULT_CHUNK_SIZE - 1],
    ['chunk', DEFAULT_CHUNK_SIZE],
    ['chunk + 1', DEFAULT_CHUNK_SIZE + 1],
    ['64 MiB', 64 * 1024 * 1024]
  ]

  it('refuses to overwrite an existing output', async () => {
    const src = await randomFile(dir.path, 'exists-src.bin', 1000)
    const shared = await sharer.share(src)
    await assert.rejects(getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: src }), { name: 'OutputExistsError' })
  })

  it('--force replaces a file or a symlink at the output, never a FIFO (a device or a socket neither: get -o /dev/null --force replaced /dev/null)', async () => {
    const src = await randomFile(dir.path, 'forced-src.bin', 1000)
    const shared = await sharer.share(src)
    const from = multiaddr(dialAddress(sharer))
    const fifo = join(dir.path, 'a-fifo')
    execFileSync('mkfifo', [fifo])
    await assert.rejects(getter.get(shared.fileId, { from, output: fifo, force: true }), (err: Error) => err.name === 'OutputExistsError' && /not a regular file/.test(err.message) && !/--force/.test(err.message))
    assert.ok((await lstat(fifo)).isFIFO(), 'the FIFO is still there')
    const file = join(dir.path, 'forced-over.bin')
    await writeFile(file, 'old')
    await getter.get(shared.fileId, { from, output: file, force: true })
    assert.equal(await sha256File(file), shared.sha256)
    const link = join(dir.path, 'forced-link.bin')
    const target = join(dir.path, 'link-target.txt')
    await writeFile(target, 'kept')
    await symlink(target, link)
    await getter.get(shared.fileId, { from, output: link, force: true })
    assert.ok((await lstat(link)).isFile(), 'the link itself is replaced')
    assert.equal(await readFile(target, 'utf8'), 'kept', 'never what it pointed to')
  })

  it('puts the file under its sanitised name when the output is a directory', async () => {
    const src = await randomFile(dir.path, 'named.bin', 1000)
    const shared = await sharer.share(src)
    const outDir = join(dir.path, 'into-dir')
    await mkdir(outDir)
    const got = await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: outDir })
    assert.equal(got.location.kind === 'path' && got.location.path, join(outDir, 'named.bin'))
  })

  it('moves a file of the largest chunk size with the default send budget (one such chunk)', async () => {
    // read-ahead once let a later chunk take the budget's room first and hold it unsent
    const big = await startTestNode(join(dir.path, 'big-chunks'), { chunkSize: MAX_CHUNK_SIZE })
    try {
      const src = await randomFile(dir.path, 'big-chunks.bin', 10 * MAX_CHUNK_SIZE + 1)
      const shared = await big.share(src)
      const got = await getter.get(shared.fileId, { from: multiaddr(dialAddress(big)), output: join(dir.path, 'big-chunks.out') })
      assert.equal(got.sha256, shared.sha256)
    } finally {
      await big.stop()
    }
  })

  it('completes from a source whose upload limit sends a chunk slower than the getter\'s request timeout', async () => {
    // 64 KiB/s against 256 KiB chunks: 4 s a chunk, where the getter gives a silent source
    // 1.5 s. The getter drops the session and comes back; each dropped session must leave
    // the upload queue (it took the next session's turn, and the get never ended)
    const slow = await startTestNode(join(dir.path, 'slow-sharer'), { chunkSize: 256 * 1024, limits: { upload: 64 * 1024 } })
    const patient = await startTestNode(join(dir.path, 'patient-getter'), { exchange: { requestTimeout: 1500 } })
    try {
      const src = await randomFile(dir.path, 'slow.bin', 3 * 256 * 1024)
      const shared = await slow.share(src)
      const got = await patient.get(shared.fileId, { from: multiaddr(dialAddress(slow)), output: join(dir.path, 'slow.out'), signal: AbortSignal.timeout(90_000) })
      assert.equal(got.sha256, shared.sha256)
    } finally {
      await patient.stop()
      await slow.stop()
    }
  })

  it('takes its first source from `peers` when no `from` is given', async () => {
    const src = await randomFile(dir.path, 'peers-only.bin', 70_000)
    const shared = await sharer.share(src)
    const got = await getter.get(shared.fileId, { peers: [dialAddress(sharer)], output: join(dir.path, 'peers-only.out') })
    assert.equal(got.sha256, shared.sha256)
  })

  it('finds a file by its plain SHA-256 from a given peer', async () => {
    const src = await randomFile(dir.path, 'by-hash.bin', 5000)
    const shared = await sharer.share(src)
    const got = await getter.get(shared.sha256, { from: multiaddr(dialAddress(sharer)), output: join(dir.path, 'by-hash.out') })
    assert.equal(got.fileId, shared.fileId)
  })

  it('reports a full disk as DiskFullError and leaves no output', async function () {
    const mounted = await withSmallDisk(dir.path, async (mnt) => {
      const src = await randomFile(dir.path, 'big-for-disk.bin', 4 * 1024 * 1024)
      const shared = await sharer.share(src)
      const out = join(mnt, 'out.bin')
      // the error says the download is paused and how it goes on (it said only "No space left")
      await assert.rejects(getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out }), (err: Error) => err.name === 'DiskFullError' && err.message.includes(`the download is paused: free some room, then \`peershare resume ${shared.fileId}\``))
      // no output; the partial file keeps what was verified, for a resume once there is room
      assert.deepEqual((await readdir(mnt)).filter(n => n === 'out.bin'), [])
      await getter.transfers.cancel(shared.fileId)
      assert.deepEqual(await readdir(mnt), [])
    })
    if (!mounted) this.skip() // needs root and tmpfs; CI machines have both
  })

  it('pauses a download on a full disk (reason disk-full) and completes it on resume once there is room', async function () {
    const mounted = await withSmallDisk(dir.path, async (mnt) => {
      const src = await randomFile(dir.path, 'fits-later.bin', 1280 * 1024)
      const shared = await sharer.share(src)
      const filler = await randomFile(mnt, 'filler.bin', 1536 * 1024)
      const out = join(mnt, 'out.bin')
      await assert.rejects(getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out }), { name: 'DiskFullError' })
      const paused = getter.transfers.list().find(t => t.fileId === shared.fileId)
      assert.equal(paused?.state, 'paused')
      assert.equal(paused?.error?.code, 'ERR_DISK_FULL')
      // still no room: resuming writes again and pauses again, with the same reason
      const again = await getter.transfers.resume(shared.fileId)
      assert.equal(again.state, 'running')
      await until(() => getter.transfers.list().find(t => t.fileId === shared.fileId)?.state === 'paused', 60_000)
      await rm(filler)
      const resumed = await getter.transfers.resume(shared.fileId)
      assert.equal(resumed.state, 'running')
      assert.equal(resumed.error, undefined)
      await until(() => getter.transfers.get(shared.fileId) == null, 60_000)
      assert.equal(await sha256File(out), await sha256File(src))
      await getter.remove(shared.fileId)
    })
    if (!mounted) this.skip() // needs root and tmpfs; CI machines have both
  })

  for (const [label, size] of sizes) {
    it(`transfers ${label} byte-identically`, async () => {
      const src = await randomFile(dir.path, `src-${size}.bin`, size)
      const shared = await sharer.share(src)
      assert.equal(shared.size, size)
      const out = join(dir.path, `out-${size}.bin`)
      const got = await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
      assert.equal(got.fileId, shared.fileId)
      assert.equal(await sha256File(out), await sha256File(src))
      assert.equal(got.sha256, await sha256File(src))
    })
  }
})
