/**
 * Streams negotiated lazily by themselves (transports/lazy-select.ts
 * `selectTransparently`), as every DHT RPC of a peershare node opens them
 * (dht/lazy-rpc.ts), against stock js-libp2p listeners over real TCP on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { QueryEvent } from '@libp2p/kad-dht'
import type { PeershareNode } from '../src/index.js'
import { TRANSPARENT_LAZY_SELECT } from '../src/transports/index.js'
import { sha256OfArrival, startTestNode, stockKadNode, tempDir, type TestDir, until } from './fixtures.js'

const ECHO_PROTOCOL = '/test/echo/1'

describe('streams that negotiate lazily by themselves (DHT RPCs), against stock libp2p listeners', function () {
  this.timeout(120_000)
  let dir: TestDir
  let node: PeershareNode
  let stock: Awaited<ReturnType<typeof stockNode>>

  async function stockNode () {
    const created = await stockKadNode({ clientMode: false })
    // echoes every stream back, as it comes
    await created.handle(ECHO_PROTOCOL, (stream) => {
      stream.addEventListener('message', (evt) => {
        if (!stream.send(evt.data)) stream.pause()
      })
      stream.addEventListener('drain', () => { stream.resume() })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    })
    return created
  }

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'node'))
    stock = await stockNode()
  })

  after(async () => {
    await stock?.stop()
    await node?.stop()
    await dir?.cleanup()
  })

  it('a stream opened lazily carries its data right behind the proposal; the reader never sees the echo', async () => {
    const stream = await node.libp2p.dialProtocol(stock.getMultiaddrs()[0], ECHO_PROTOCOL, { [TRANSPARENT_LAZY_SELECT]: true } as Record<string, unknown>)
    // no select ran: the protocol is set at once
    assert.equal(stream.protocol, ECHO_PROTOCOL)
    const data = randomBytes(300_000)
    const back = sha256OfArrival(stream, data.byteLength)
    stream.send(data.subarray(0, 5))
    stream.send(data.subarray(5))
    assert.equal(await back, createHash('sha256').update(data).digest('hex'))
    await stream.close()
  })

  it('a protocol the peer lacks fails the stream with UnsupportedProtocolError instead of hanging', async () => {
    const stream = await node.libp2p.dialProtocol(stock.getMultiaddrs()[0], '/test/nobody/1', { [TRANSPARENT_LAZY_SELECT]: true } as Record<string, unknown>)
    let closedWith: Error | undefined
    let closed = false
    stream.addEventListener('close', (evt) => { closed = true; closedWith = (evt as unknown as { error?: Error }).error })
    stream.send(Uint8Array.of(1, 2, 3))
    await until(() => closed, 30_000, 'the stream to end')
    assert.equal(closedWith?.name, 'UnsupportedProtocolError')
  })

  it('DHT requests from a peershare node are answered by a stock kad-dht node', async () => {
    await node.libp2p.dial(stock.getMultiaddrs()[0])
    const lan = node.dhts.find(d => d.name === 'lan')
    assert.ok(lan != null)
    await until(() => lan.routingTableSize() > 0, 30_000, 'the stock node in the LAN table')
    const events: QueryEvent[] = []
    for await (const event of lan.dht.getClosestPeers(randomBytes(32), { signal: AbortSignal.timeout(30_000) })) events.push(event)
    assert.ok(events.some(e => e.name === 'PEER_RESPONSE' && e.messageName === 'FIND_NODE' && e.from.equals(stock.peerId)), 'the stock node answered FIND_NODE')
    assert.equal(events.filter(e => e.name === 'QUERY_ERROR').length, 0)
  })
})
