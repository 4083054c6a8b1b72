import assert from 'node:assert/strict'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { chunkLength, chunkOffset } from '@peershare/protocol'
import { readFile } from 'node:fs/promises'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { startLyingPeer } from './lying-peer.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const MiB = 1024 * 1024

describe('multi-source downloads', function () {
  this.timeout(180_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []
  let extra: Libp2p | undefined

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await extra?.stop()
    extra = undefined
    await Promise.allSettled(nodes.splice(0).map(async n => n.stop()))
    await dir.cleanup()
  })

  /** `count` nodes sharing the same file, each announced in the DHT, and a getter connected to them */
  async function swarmWith (size: number, sourceInits: NodeInit[], getterInit: NodeInit = {}): Promise<{ sources: PeershareNode[], getter: PeershareNode, fileId: string, src: string }> {
    const src = await randomFile(dir.path, 'src.bin', size)
    const sources: PeershareNode[] = []
    let fileId = ''
    for (const [i, init] of sourceInits.entries()) {
      const node = await startTestNode(join(dir.path, `source-${i}`), init)
      nodes.push(node)
      sources.push(node)
      const copy = join(dir.path, `copy-${i}.bin`)
      await copyFile(src, copy)
      const record = await node.share(copy)
      fileId = record.fileId
      if (i > 0) await node.connect(sources[0].addresses[0])
    }
    const getter = await startTestNode(join(dir.path, 'getter'), getterInit)
    nodes.push(getter)
    for (const source of sources) await getter.connect(source.addresses[0])
    for (const source of sources) await source.index.provide((await source.store.get(fileId))!.record)
    return { sources, getter, fileId, src }
  }

  /** Every source's address: they join from the start, besides what the DHT finds */
  const peersOf = (sources: PeershareNode[]): string[] => sources.map(s => s.addresses[0].toString())

  function servedBy (progress: { sourceStats: Array<{ peerId: string, bytes: number }> }, node: PeershareNode): number {
    return progress.sourceStats.find(s => s.peerId === node.peerId.toString())?.bytes ?? 0
  }

  it('uses 4 sources for 64 MiB, each serving a share, byte-identical', async () => {
    const { sources, getter, fileId, src } = await swarmWith(64 * MiB, [{}, {}, {}, {}].map(() => ({ limits: { upload: 16 * MiB } })))
    const transfer = await getter.download(fileId, { peers: peersOf(sources), output: join(dir.path, 'out.bin') })
    let last = transfer.progress()
    const unsubscribe = transfer.onProgress(p => { last = p })
    await transfer.done()
    unsubscribe()
    last = transfer.progress()
    for (const source of sources) assert.ok(servedBy(last, source) > 0, `source ${source.peerId} served a share: ${JSON.stringify(last.sourceStats)}`)
    assert.equal(await sha256File(join(dir.path, 'out.bin')), await sha256File(src))
  })

  it('completes when a source stops mid-download', async () => {
    const { sources, getter, fileId, src } = await swarmWith(32 * MiB, [{}, {}, {}].map(() => ({ limits: { upload: 8 * MiB } })))
    const transfer = await getter.download(fileId, { output: join(dir.path, 'out.bin') })
    await until(() => transfer.progress().bytesDone > 8 * MiB && transfer.progress().sources >= 2, 60_000)
    const leaving = sources[1]
    await leaving.stop()
    nodes.splice(nodes.indexOf(leaving), 1)
    await transfer.done()
    assert.equal(await sha256File(join(dir.path, 'out.bin')), await sha256File(src))
  })

  it('bans a lying source and still produces the exact file', async () => {
    const { sources, getter, fileId, src } = await swarmWith(16 * MiB, [{ limits: { upload: 8 * MiB } }, { limits: { upload: 8 * MiB } }])
    const stored = (await sources[0].store.get(fileId))!
    const bytes = await readFile(src)
    const chunks = stored.manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(stored.manifest, i), chunkOffset(stored.manifest, i) + chunkLength(stored.manifest, i)))
    extra = await startLyingPeer(stored, chunks, { kind: 'corrupt-all' })
    const transfer = await getter.download(fileId, { from: extra.getMultiaddrs()[0], output: join(dir.path, 'out.bin') })
    await transfer.done()
    assert.equal(await sha256File(join(dir.path, 'out.bin')), await sha256File(src))
    const liar = transfer.progress().sourceStats.find(s => s.peerId === extra!.peerId.toString())
    assert.equal(liar?.bytes ?? 0, 0, 'nothing from the liar was kept')
    assert.deepEqual(transfer.progress().banned, [extra.peerId.toString()], 'the liar was used and banned')
  })

  it('swarms: a downloader still in progress serves its verified chunks, announcing new ones', async () => {
    const { sources, getter: first, fileId, src } = await swarmWith(16 * MiB, [{ limits: { upload: 4 * MiB } }])
    const t1 = await first.download(fileId, { peers: peersOf(sources), output: join(dir.path, 'first.bin') })
    await until(() => t1.progress().bytesDone >= 3 * MiB, 60_000)
    const second = await startTestNode(join(dir.path, 'second'))
    nodes.push(second)
    await second.connect(first.addresses[0])
    // the second knows only the first, which has a part of the file so far
    const t2 = await second.download(fileId, { from: first.addresses[0], output: join(dir.path, 'second.bin') })
    await t2.done()
    const fromFirst = servedBy(t2.progress(), first)
    assert.ok(fromFirst > 3 * MiB, `the partial downloader served chunks beyond what it had at first: ${fromFirst}`)
    assert.equal(await sha256File(join(dir.path, 'second.bin')), await sha256File(src))
    await t1.done()
  })

  it('@soak moves 1 GiB from 4 sources byte-identically', async function () {
    this.timeout(900_000)
    const { getter, fileId, src } = await swarmWith(1024 * MiB, [{}, {}, {}, {}])
    const record = await getter.get(fileId, { output: join(dir.path, 'out.bin') })
    assert.equal(record.sha256, await sha256File(src))
  })

  it('gives a fast source more work than slow ones, using every one', async () => {
    // rates well below what one test process can move, so the limits decide, not the CPU
    const slow = { limits: { upload: 1 * MiB } }
    const { sources, getter, fileId, src } = await swarmWith(32 * MiB, [{ limits: { upload: 8 * MiB } }, slow, slow, slow])
    const transfer = await getter.download(fileId, { peers: peersOf(sources), output: join(dir.path, 'out.bin') })
    await transfer.done()
    const stats = transfer.progress()
    const fast = servedBy(stats, sources[0])
    for (const source of sources.slice(1)) {
      const served = servedBy(stats, source)
      assert.ok(served > 0, `slow source used: ${JSON.stringify(stats.sourceStats)}`)
      assert.ok(fast > served, `fast ${fast} > slow ${served}`)
    }
    assert.equal(await sha256File(join(dir.path, 'out.bin')), await sha256File(src))
  })
})
