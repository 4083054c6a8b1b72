import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { PeershareNode } from '../src/index.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir } from './fixtures.js'

describe('transfer over WebRTC-direct (no TCP)', function () {
  this.timeout(60_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  before(async () => { dir = await tempDir() })
  after(async () => {
    for (const node of nodes) await node.stop()
    await dir.cleanup()
  })

  it('gets a small file byte-identically', async () => {
    const listen = ['/ip4/127.0.0.1/udp/0/webrtc-direct']
    const sharer = await startTestNode(join(dir.path, 'a'), { listen })
    nodes.push(sharer)
    const getter = await startTestNode(join(dir.path, 'b'), { listen })
    nodes.push(getter)
    const addr = sharer.addresses.find(a => a.toString().includes('/webrtc-direct/'))
    assert.ok(addr != null, `sharer listens on WebRTC-direct: ${sharer.addresses.join(' ')}`)
    assert.ok(!sharer.addresses.some(a => a.toString().includes('/tcp/')), 'no TCP listener')

    const src = await randomFile(dir.path, 'small.bin', 300 * 1024 + 7)
    const { fileId } = await sharer.share(src)
    const out = join(dir.path, 'small.out')
    await getter.get(fileId, { from: addr, output: out })
    assert.equal(await sha256File(out), await sha256File(src))
    const conns = getter.libp2p.getConnections(sharer.peerId)
    assert.ok(conns.length > 0 && conns.every(c => c.remoteAddr.toString().includes('/webrtc-direct')), 'the connection is WebRTC-direct')
  })
})
