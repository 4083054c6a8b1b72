import assert from 'node:assert/strict'
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { chunkLength, chunkOffset } from '@peershare/protocol'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { startLyingPeer } from './lying-peer.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const MiB = 1024 * 1024

/** Downloads whose last chunks come in parts from several sources, over real TCP between real nodes */
describe('parts of chunks in the tail of a multi-source download', function () {
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

  async function node (name: string, init: NodeInit = {}): Promise<PeershareNode> {
    const n = await startTestNode(join(dir.path, name), init)
    nodes.push(n)
    return n
  }

  /** `count` nodes sharing one random file of `size` bytes */
  async function sharers (count: number, size: number): Promise<{ sources: PeershareNode[], fileId: string, src: string }> {
    const src = await randomFile(dir.path, 'src.bin', size)
    const sources: PeershareNode[] = []
    let fileId = ''
    for (let i = 0; i < count; i++) {
      const source = await node(`source-${i}`)
      const copy = join(dir.path, `copy-${i}.bin`)
      await copyFile(src, copy)
      fileId = (await source.share(copy)).fileId
      sources.push(source)
    }
    return { sources, fileId, src }
  }

  const partsSent = (n: PeershareNode): number => n.exchange.stats().wire.parts

  it('fetches the last chunks in parts from every source and joins them into the exact file', async () => {
    // paced like a real link, so that both sources are still busy when the tail comes
    const { sources, fileId, src } = await sharers(2, 12 * MiB)
    for (const s of sources) s.bandwidth.setLimits({ upload: 8 * MiB })
    const getter = await node('getter')
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(fileId, { peers: sources.map(s => s.addresses[0].toString()), output: out })
    await transfer.done()
    assert.equal(await sha256File(out), await sha256File(src))
    // a session's figures are added up as it ends
    await until(() => sources.every(s => partsSent(s) > 0), 30_000, 'both sources to have sent parts')
    const sent = sources.reduce((sum, s) => sum + partsSent(s), 0)
    assert.ok(sent >= 4, `at least one chunk's parts went out (${sent})`)
    const credited = transfer.progress().sourceStats.reduce((sum, s) => sum + s.bytes, 0)
    assert.equal(credited, 12 * MiB, 'every byte is credited to the source that sent it, once')
  })

  it('bans a source of bad parts and still writes the exact file', async () => {
    const { sources, fileId, src } = await sharers(1, 12 * MiB)
    const [honest] = sources
    honest.bandwidth.setLimits({ upload: 8 * MiB })
    const stored = (await honest.store.get(fileId))!
    const bytes = await readFile(src)
    const chunks = stored.manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(stored.manifest, i), chunkOffset(stored.manifest, i) + chunkLength(stored.manifest, i)))
    extra = await startLyingPeer(stored, chunks, { kind: 'corrupt-parts', delayMs: 100 })
    // one strike bans. Most runs: the liar sends every part of the first split chunk (a
    // strike at once); some: only half of one, joined with honest halves (a strike once a
    // whole copy verifies and the parts are compared with it: part-assembly.ts, whose
    // spec covers that comparison on its own)
    const getter = await node('getter', { transfer: { maxStrikes: 1 } })
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(fileId, { from: extra.getMultiaddrs()[0], peers: [honest.addresses[0].toString()], output: out })
    await transfer.done()
    assert.equal(await sha256File(out), await sha256File(src))
    assert.deepEqual(transfer.progress().banned, [extra.peerId.toString()], 'the liar was found out and banned, the honest source not')
  })
})
