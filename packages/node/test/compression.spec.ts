import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { chunkLength, chunkOffset, parseFileId } from '@peershare/protocol'
import { FetchSession } from '../src/exchange/fetch-session.js'
import { DEFAULTS, type PeershareNode } from '../src/index.js'
import { type Lie, startLyingPeer } from './lying-peer.js'
import { randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** Log lines: compress several times over, as text and logs do */
async function logFile (dir: string, name: string, size: number): Promise<string> {
  const lines: string[] = []
  let length = 0
  for (let i = 0; length < size; i++) {
    const line = `2026-11-30T18:${String(i % 60).padStart(2, '0')}:00.${i % 1000}Z INFO request ${i} served /files/${(i * 7919) % 100_000} in ${i % 97} ms\n`
    lines.push(line)
    length += line.length
  }
  const path = join(dir, name)
  await writeFile(path, lines.join('').slice(0, size))
  return path
}

describe('compression on the wire', function () {
  this.timeout(120_000)
  let dir: TestDir
  let provider: PeershareNode
  let plainProvider: PeershareNode
  let getter: PeershareNode
  let plainGetter: PeershareNode
  let logs: string
  let logsId: string

  before(async () => {
    dir = await tempDir()
    provider = await startTestNode(join(dir.path, 'provider'))
    plainProvider = await startTestNode(join(dir.path, 'plain-provider'), { exchange: { compression: false } })
    getter = await startTestNode(join(dir.path, 'getter'))
    plainGetter = await startTestNode(join(dir.path, 'plain-getter'), { exchange: { compression: false } })
    logs = await logFile(dir.path, 'server.log', 3 * 1024 * 1024 + 4321)
    logsId = (await provider.share(logs)).fileId
    await plainProvider.share(logs)
  })

  after(async () => {
    await Promise.all([getter, plainGetter, provider, plainProvider].map(async n => n?.stop()))
    await dir?.cleanup()
  })

  /** Downloads `fileId` from `from` into `to`; returns the provider's chunk figures for it */
  async function fetch (to: PeershareNode, from: PeershareNode, fileId: string, name: string): Promise<{ out: string, contentBytes: number, wireBytes: number, compressedChunks: number, wireReceived?: number }> {
    const before = from.exchange.stats().wire
    const out = join(dir.path, 'out', name)
    const transfer = await to.download(fileId, { from: from.addresses[0], output: out })
    await transfer.done()
    const after = from.exchange.stats().wire
    return {
      out,
      contentBytes: after.contentBytes - before.contentBytes,
      wireBytes: after.wireBytes - before.wireBytes,
      compressedChunks: after.compressedChunks - before.compressedChunks,
      wireReceived: transfer.progress().wireBytesReceived
    }
  }

  it('is on by default', () => {
    assert.equal(DEFAULTS.exchange.compression, true)
  })

  it('sends a compressible file in far fewer bytes, and the copy is identical', async () => {
    const got = await fetch(getter, provider, logsId, 'on.log')
    assert.deepEqual(await readFile(got.out), await readFile(logs))
    assert.equal(got.contentBytes, (await readFile(logs)).byteLength)
    assert.ok(got.compressedChunks > 0, 'chunks went compressed')
    assert.ok(got.wireBytes < got.contentBytes / 3, `${got.wireBytes} bytes on the wire for ${got.contentBytes}`)
    assert.equal(got.wireReceived, got.wireBytes, 'the downloader counts the same wire bytes')
  })

  it('gives the same file with compression off on the downloader, or on the provider', async () => {
    const offGetter = await fetch(plainGetter, provider, logsId, 'off-getter.log')
    assert.equal(offGetter.compressedChunks, 0)
    assert.equal(offGetter.wireBytes, offGetter.contentBytes)
    assert.deepEqual(await readFile(offGetter.out), await readFile(logs))
    const offProvider = await fetch(getter, plainProvider, logsId, 'off-provider.log')
    assert.equal(offProvider.compressedChunks, 0)
    assert.deepEqual(await readFile(offProvider.out), await readFile(logs))
  })

  it('sends an incompressible file uncompressed', async () => {
    const random = await randomFile(dir.path, 'random.bin', 6 * 1024 * 1024 + 17)
    const { fileId } = await provider.share(random)
    const got = await fetch(getter, provider, fileId, 'random.bin')
    assert.deepEqual(await readFile(got.out), await readFile(random))
    assert.equal(got.compressedChunks, 0)
    assert.equal(got.wireBytes, got.contentBytes)
  })

  it('never compresses a video, however compressible its bytes', async () => {
    const video = join(dir.path, 'clip.mp4')
    await writeFile(video, new Uint8Array(2 * 1024 * 1024 + 5))
    const record = await provider.share(video)
    assert.equal(record.metadata.mimeType, 'video/mp4')
    const got = await fetch(getter, provider, record.fileId, 'clip.mp4')
    assert.equal(got.compressedChunks, 0)
    assert.equal(got.wireBytes, got.contentBytes)
    assert.deepEqual(await readFile(got.out), await readFile(video))
  })

  it('offers no encoding to a peer that asks for none, and sends it raw chunks', async () => {
    const session = await FetchSession.open(
      { libp2p: getter.libp2p, limits: { ...DEFAULTS.exchange, compression: false }, dialTimeout: 10_000 },
      multiaddr(provider.addresses[0]),
      { kind: 'file-id', fileId: parseFileId(logsId) }
    )
    try {
      assert.equal(session.encoding, undefined)
      await session.request([0])
      const event = await session.nextEvent()
      assert.equal(event.type, 'chunk')
      assert.equal(session.wire.compressedChunks, 0)
      assert.equal(session.wire.wireBytes, chunkLength(session.manifest, 0))
    } finally {
      await session.complete()
    }
  })

  describe('a provider that lies about compression', () => {
    let liar: Libp2p | undefined
    let chunks: Uint8Array[]

    // a file of 16 chunks, on the honest provider alone: the liar (the first source) is
    // asked for chunks before the end game, even when the honest one is found at once
    let bigLogs: string
    let bigId: string

    before(async () => {
      bigLogs = await logFile(dir.path, 'big.log', 16 * 1024 * 1024 + 999)
      bigId = (await provider.share(bigLogs)).fileId
      const stored = await provider.store.get(bigId)
      const bytes = await readFile(bigLogs)
      const manifest = stored!.manifest
      chunks = manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(manifest, i), chunkOffset(manifest, i) + chunkLength(manifest, i)))
      // the honest provider is found through the DHT; each liar is named directly
      await getter.connect(provider.addresses[0])
      await provider.index.provide({ fileId: bigId, sha256: stored!.record.sha256 })
    })

    afterEach(async () => {
      await liar?.stop()
      liar = undefined
      // forgotten, so the next test downloads it again (a file the node keeps is copied, no peer asked)
      await getter.remove(bigId).catch(() => {})
    })

    const lies: Array<{ title: string, lie: Lie }> = [
      { title: 'chunks that inflate beyond their length', lie: { kind: 'compress', how: 'bomb' } },
      { title: 'compressed chunks that are garbage', lie: { kind: 'compress', how: 'garbage' } },
      { title: 'compression the downloader never agreed to', lie: { kind: 'compress', how: 'unagreed' } }
    ]
    for (const { title, lie } of lies) {
      it(`is banned for ${title}; the download completes from an honest one`, async () => {
        liar = await startLyingPeer((await provider.store.get(bigId))!, chunks, lie)
        const out = join(dir.path, 'out', `liar-${lie.kind === 'compress' ? lie.how : ''}.log`)
        const transfer = await getter.download(bigId, { from: liar.getMultiaddrs()[0], output: out })
        const liarId = liar.peerId.toString()
        await until(() => transfer.progress().banned.includes(liarId) || transfer.progress().state === 'completed', 60_000)
        await transfer.done()
        assert.deepEqual(await readFile(out), await readFile(bigLogs))
        const fromLiar = transfer.progress().sourceStats.find(s => s.peerId === liarId)
        assert.equal(fromLiar?.chunks ?? 0, 0, 'no chunk of the liar was taken')
        await until(() => transfer.progress().banned.includes(liarId), 60_000)
      })
    }
  })
})
