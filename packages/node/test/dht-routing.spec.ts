import assert from 'node:assert/strict'
import { join } from 'node:path'
import { PING_PROTOCOL } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

function lanTable (node: PeershareNode): number {
  return node.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0
}

describe('DHT routing tables (index/connected-ping.ts)', function () {
  this.timeout(60_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  before(async () => { dir = await tempDir() })
  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  it('takes in a connected DHT peer without pinging it: one that answers no ping still enters the table', async () => {
    const a = await startTestNode(join(dir.path, 'a'))
    const b = await startTestNode(join(dir.path, 'b'))
    nodes.push(a, b)
    // b answers no ping: kad-dht's own check (a ping before a contact enters the table) would keep it out for good
    await b.libp2p.unhandle(PING_PROTOCOL)
    await a.libp2p.dial(multiaddr(dialAddress(b)))
    await assert.rejects(a.libp2p.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(5000) }))
    await until(() => lanTable(a) === 1 && lanTable(b) === 1, 20_000)
  })
})
