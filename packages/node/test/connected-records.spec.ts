/**
 * Connected peers' records kept in libp2p's peer store (peer-store/connected-records.ts):
 * bare libp2p nodes on 127.0.0.1 whose connections are kept alive by yamux ping frames
 * (no stream), with a peer store that forgets in seconds instead of hours.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type ServiceFactoryMap } from 'libp2p'
import { connectedRecords } from '../src/peer-store/index.js'
import { keepAliveMuxer } from '../src/transports/index.js'
import { LOOPBACK_TCP, until } from './fixtures.js'

/** The peer store forgets a record not written for this long (libp2p's default: 6 h) ... */
const MAX_PEER_AGE = 3000
/** ... once none of its addresses was first seen within this (default: 1 h) */
const MAX_ADDRESS_AGE = 500
const IDENTIFY = '/ipfs/id/1.0.0'

async function bareNode (keepRecords: boolean): Promise<Libp2p> {
  const services: ServiceFactoryMap = { identify: identify() }
  if (keepRecords) services.connectedRecords = connectedRecords({ maxPeerAge: MAX_PEER_AGE })
  const node = await createLibp2p({
    addresses: { listen: LOOPBACK_TCP },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [() => keepAliveMuxer(yamux({ enableKeepAlive: false })(), { intervalMs: 1000, timeoutMs: 5000 })],
    connectionMonitor: { enabled: false },
    peerStore: { maxPeerAge: MAX_PEER_AGE, maxAddressAge: MAX_ADDRESS_AGE },
    services
  })
  await node.start()
  return node
}

async function protocolsOf (node: Libp2p, peer: PeerId): Promise<string[] | undefined> {
  return (await node.peerStore.has(peer)) ? (await node.peerStore.get(peer)).protocols : undefined
}

describe('connected peers\' records', function () {
  this.timeout(60_000)
  const nodes: Libp2p[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => n.stop())) })

  /** `dialler` connected to a plain node, once identify has written the other's record; when that was */
  async function connected (keepRecords: boolean): Promise<{ dialler: Libp2p, listener: Libp2p, identifiedAt: number }> {
    const dialler = await bareNode(keepRecords)
    const listener = await bareNode(false)
    nodes.push(dialler, listener)
    await dialler.dial(listener.getMultiaddrs()[0])
    await until(async () => (await protocolsOf(dialler, listener.peerId))?.includes(IDENTIFY) === true, 10_000, 'identify')
    return { dialler, listener, identifiedAt: Date.now() }
  }

  it('without a refresh, the peer store forgets a peer that stays connected on ping frames alone (the gap)', async () => {
    const { dialler, listener } = await connected(false)
    await until(async () => !(await dialler.peerStore.has(listener.peerId)), 6 * MAX_PEER_AGE, 'the record forgotten')
    assert.equal(dialler.getConnections(listener.peerId).length, 1, 'still connected')
  })

  it('with connectedRecords, a connected peer\'s record and its protocols stay', async () => {
    const { dialler, listener, identifiedAt } = await connected(true)
    // read it until three times the age at which it would be forgotten has passed
    while (Date.now() < identifiedAt + 3 * MAX_PEER_AGE) {
      assert.ok((await protocolsOf(dialler, listener.peerId))?.includes(IDENTIFY), 'record kept, with the protocols identify wrote')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    assert.equal(dialler.getConnections(listener.peerId).length, 1, 'still connected')
  })
})
