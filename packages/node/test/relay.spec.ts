import assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** A node with no listen address: it can only dial out, so others reach it through a relay */
const DIAL_OUT_ONLY: NodeInit = { listen: [] }

function relayAddresses (node: PeershareNode): string[] {
  return node.addresses.map(a => a.toString()).filter(a => a.includes('/p2p-circuit'))
}

describe('a node that listens on no address shares through a relay (127.0.0.1)', function () {
  this.timeout(120_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  async function node (name: string, init: NodeInit = {}): Promise<PeershareNode> {
    const started = await startTestNode(join(dir.path, name), { lookupTimeout: 15_000, ...init })
    nodes.push(started)
    return started
  }

  /** A relay (the setting a user of a public server would turn on; loopback is never "public") and a sharer reserved on it */
  async function relayAndSharer (name: string, relay: NodeInit['relay'], sharerInit: NodeInit = {}): Promise<{ relay: PeershareNode, sharer: PeershareNode }> {
    const relayNode = await node(`${name}-relay`, { relay: { server: 'on', ...relay } })
    const sharer = await node(`${name}-sharer`, { ...DIAL_OUT_ONLY, bootstrap: [dialAddress(relayNode)], ...sharerInit })
    await until(() => relayAddresses(sharer).length > 0, 30_000)
    return { relay: relayNode, sharer }
  }

  before(async () => { dir = await tempDir() })
  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  it('is found through the DHT and downloaded byte for byte through the relay', async () => {
    const { relay, sharer } = await relayAndSharer('ok', { dataLimit: 64 * 1024 * 1024 })
    assert.equal(sharer.config.listen.length, 0)
    assert.ok(relayAddresses(sharer).every(a => a.includes(relay.peerId.toString())), 'its relay address goes through the relay')
    const src = await randomFile(dir.path, 'relayed.bin', 3 * 1024 * 1024 + 7)
    const record = await sharer.share(src)
    await sharer.index.provide(record)

    // dial-out only too: no direct connection can replace the relayed one (see the DCUtR test)
    const downloader = await node('ok-downloader', { ...DIAL_OUT_ONLY, bootstrap: [dialAddress(relay)] })
    const providers = []
    for await (const p of downloader.providers(record.fileId, { timeout: 15_000 })) providers.push(p)
    const found = providers.find(p => p.peerId === sharer.peerId.toString())
    assert.ok(found != null, 'the DHT names the sharer')
    assert.ok(found.addresses.some(a => a.includes('/p2p-circuit')), 'with its relay address')

    const output = join(dir.path, 'relayed.out')
    const transfer = await downloader.download(record.fileId, { output })
    await until(() => transfer.progress().sourceStats.some(s => s.active), 30_000)
    assert.equal(transfer.progress().sourceStats.find(s => s.active)?.via, 'relayed (limited)')
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
    const connections = downloader.libp2p.getConnections(sharer.peerId)
    assert.ok(connections.length > 0 && connections.every(c => c.remoteAddr.toString().includes('/p2p-circuit')), 'only relayed connections to the sharer')
    const status = await relay.status()
    assert.equal(status.reachability?.relayServer.serving, true)
    // the downloader cannot be dialled either: it holds a reservation too
    assert.equal(status.reachability?.relayServer.reservations, 2)
    const sharerStatus = await sharer.status()
    assert.equal(sharerStatus.reachability?.reachability, 'relayed')
    assert.deepEqual(sharerStatus.reachability?.relayAddresses.map(a => `${a}/p2p/${sharer.peerId}`), relayAddresses(sharer))
  })

  it('a relayed connection past the relay\'s byte limit is closed and the downloader says relayed (limited)', async () => {
    const dataLimit = 256 * 1024
    const { relay, sharer } = await relayAndSharer('cap', { dataLimit })
    const src = await randomFile(dir.path, 'capped.bin', 4 * 1024 * 1024)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const downloader = await node('cap-downloader', { ...DIAL_OUT_ONLY, bootstrap: [dialAddress(relay)] })
    const transfer = await downloader.download(record.fileId, { output: join(dir.path, 'capped.out') })
    await until(() => transfer.progress().stallReason === 'relay-limited', 60_000)
    const progress = transfer.progress()
    assert.equal(progress.state, 'stalled')
    assert.match(progress.stallMessage ?? '', /^relayed \(limited\)/)
    // the relay forwarded no more than its limit (chunks are 1 MiB: none got through)
    assert.ok(progress.bytesDone < 4 * 1024 * 1024)
    assert.ok(progress.bytesReceived <= dataLimit, `received ${progress.bytesReceived} bytes through a ${dataLimit} byte relay`)
    await transfer.cancel()
  })

  it('a relayed connection past the relay\'s time limit is closed and the downloader says relayed (limited)', async () => {
    // the sharer's own upload limit makes the file take longer than the relay allows one connection
    const { relay, sharer } = await relayAndSharer('time', { dataLimit: 64 * 1024 * 1024, durationLimit: 1_000 }, { limits: { upload: 256 * 1024 } })
    const src = await randomFile(dir.path, 'slow.bin', 4 * 1024 * 1024)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const downloader = await node('time-downloader', { ...DIAL_OUT_ONLY, bootstrap: [dialAddress(relay)] })
    const transfer = await downloader.download(record.fileId, { output: join(dir.path, 'slow.out') })
    await until(() => transfer.progress().stallReason === 'relay-limited', 60_000)
    assert.match(transfer.progress().stallMessage ?? '', /^relayed \(limited\): the relay between us and \S+ closed the connection at its limits/)
    await transfer.cancel()
  })

  it('a download through a relay ends on a direct connection when one opens', async () => {
    // the sharer's DHT traffic may dial the downloader by itself first: the move is then
    // made as the session starts (direct-move.spec covers both orders with the pool alone)
    const quiet = { minConnections: 0 }
    const { relay, sharer } = await relayAndSharer('move', { dataLimit: 64 * 1024 * 1024 }, { ...quiet, limits: { upload: 512 * 1024 } })
    const src = await randomFile(dir.path, 'moving.bin', 4 * 1024 * 1024)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    // dialable on 127.0.0.1: what DCUtR's unilateral upgrade dials (hole punching needs two NATs)
    const downloader = await node('move-downloader', { ...quiet, bootstrap: [dialAddress(relay)] })
    const output = join(dir.path, 'moving.out')
    const transfer = await downloader.download(record.fileId, { output })
    const via = () => transfer.progress().sourceStats.find(s => s.active)?.via
    await until(() => via() != null, 30_000)
    // what DCUtR's unilateral upgrade does when the downloader has a public address
    await sharer.libp2p.dial(multiaddr(dialAddress(downloader)))
    await until(() => via() === 'direct', 30_000)
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
  })

  it('a download goes on at once on the direct connection when the relayed one is closed mid-transfer, as DCUtR does', async () => {
    const quiet = { minConnections: 0 }
    const { relay, sharer } = await relayAndSharer('close', { dataLimit: 64 * 1024 * 1024 }, { ...quiet, limits: { upload: 512 * 1024 } })
    const src = await randomFile(dir.path, 'closing.bin', 4 * 1024 * 1024)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const downloader = await node('close-downloader', { ...quiet, bootstrap: [dialAddress(relay)] })
    const output = join(dir.path, 'closing.out')
    const transfer = await downloader.download(record.fileId, { output })
    // the countdowns to the next look of a stall once bytes arrived: one past the first look (2 s) is a wait
    const countdowns: number[] = []
    transfer.onProgress(p => { if (p.state === 'stalled' && p.bytesDone > 0) countdowns.push(p.nextLookIn ?? 0) })
    await until(() => transfer.progress().bytesDone > 0, 30_000)
    // DCUtR's unilateral upgrade: the sharer dials the downloader directly, then closes the relayed connection
    const relayed = sharer.libp2p.getConnections(downloader.peerId).filter(c => c.remoteAddr.toString().includes('/p2p-circuit'))
    assert.ok(relayed.length > 0, 'the transfer runs through the relay')
    await sharer.libp2p.dial(multiaddr(dialAddress(downloader)))
    await Promise.all(relayed.map(async c => c.close()))
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
    assert.ok(countdowns.every(n => n <= 2), `no wait for a later look: ${countdowns.join(', ')}`)
  })

  it('a relay at its reservation limit refuses more', async () => {
    const { relay } = await relayAndSharer('full', { maxReservations: 1 })
    assert.equal((await relay.status()).reachability?.relayServer.reservations, 1)
    // a user may name the relay to listen on: at its limit, the reservation is refused and nothing listens
    const refused = startTestNode(join(dir.path, 'full-second'), { listen: [`${dialAddress(relay)}/p2p-circuit`] })
    await assert.rejects(refused)
    assert.equal((await relay.status()).reachability?.relayServer.reservations, 1)
  })

  it('a relay at its cap on relayed connections refuses more', async () => {
    const { relay, sharer } = await relayAndSharer('circuits', { maxCircuits: 1 })
    const [circuit] = relayAddresses(sharer)
    const first = await node('circuits-first')
    const second = await node('circuits-second')
    const connection = await first.libp2p.dial(multiaddr(circuit))
    assert.equal(connection.remotePeer.toString(), sharer.peerId.toString())
    await until(() => (relay.libp2p.services.reachability.status().relayServer.circuits) === 1)
    await assert.rejects(second.libp2p.dial(multiaddr(circuit)))
    // libp2p may try the relay more than once before giving up
    assert.ok(relay.libp2p.services.reachability.status().relayServer.refusedCircuits >= 1)
    assert.equal(relay.libp2p.services.reachability.status().relayServer.circuits, 1)
  })
})
