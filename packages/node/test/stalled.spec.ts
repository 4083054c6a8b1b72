import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { stallRetryDelay } from '../src/download/transfer.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** A TCP port on 127.0.0.1 that nothing listens on (yet) */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('stalled downloads', function () {
  this.timeout(120_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map(async n => n.stop()))
    await dir.cleanup()
  })

  it('look again after 2, 4, 8 … s, never longer than the cap', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map(n => stallRetryDelay(n, 60_000)), [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
    assert.equal(stallRetryDelay(0, 1000), 1000)
  })

  it('waits while the only source is offline (unreachable, rate 0) and completes when it comes back', async () => {
    const port = await freePort()
    const listen = [`/ip4/127.0.0.1/tcp/${port}`]
    const sharerRepo = join(dir.path, 'sharer')
    let sharer = await startTestNode(sharerRepo, { listen })
    const src = await randomFile(dir.path, 'src.bin', 3 * 1024 * 1024 + 7)
    const shared = await sharer.share(src)
    const address = multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${sharer.peerId.toString()}`)
    await sharer.stop()

    const getter = await startTestNode(join(dir.path, 'getter'), { transfer: { stallRetryMax: 2000 } })
    nodes.push(getter)
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(shared.fileId, { from: address, output: out })
    await until(() => transfer.progress().state === 'stalled' && transfer.progress().stallReason === 'providers-unreachable', 30_000)
    const stalled = transfer.progress()
    assert.equal(stalled.rate, 0)
    assert.equal(stalled.eta, null)
    assert.equal(stalled.bytesTotal, null, 'no source gave the manifest yet')
    assert.match(stalled.stallMessage ?? '', /looking again in \d+ s/)

    sharer = await startTestNode(sharerRepo, { listen })
    nodes.push(sharer)
    const got = await transfer.done()
    assert.equal(got.fileId, shared.fileId)
    assert.equal(await sha256File(out), await sha256File(src))
  })
})
