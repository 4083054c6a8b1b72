import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { logger } from '@libp2p/logger'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { namedDht } from '../src/libp2p.js'
import { RoutingFill } from '../src/swarm/routing-fill.js'
import { until } from './fixtures.js'

const PROTOCOL = '/peershare-test/kad/1.0.0'
const HOUR = 3_600_000

type DhtNode = Libp2p<{ dht: KadDHT }>

/**
 * A stock kad-dht node that never looks itself up on its own (self-lookups an hour
 * apart, no query held for one): what it learns beyond the peers that connect to it
 * comes from the RoutingFill under test
 */
async function dhtNode (): Promise<DhtNode> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, initialQuerySelfInterval: HOUR, querySelfInterval: HOUR, allowQueryWithZeroPeers: true })
    }
  })
}

function tableSize (node: DhtNode): number {
  return namedDht('lan', PROTOCOL, node.services.dht).routingTableSize()
}

function filler (node: DhtNode, target: number): RoutingFill {
  const table = namedDht('lan', PROTOCOL, node.services.dht)
  return new RoutingFill({ table, self: node.peerId, log: logger('peershare:test:routing-fill') }, { target, lookupTimeout: 10_000, cooldown: 0 })
}

describe('RoutingFill: self-lookups while a routing table is small', function () {
  this.timeout(60_000)
  const nodes: DhtNode[] = []
  const fills: RoutingFill[] = []
  let hub: DhtNode

  /** A node that joins by dialling the hub only, with a filler of `target` peers (none: no filler) */
  async function join (target?: number): Promise<{ node: DhtNode, fill?: RoutingFill }> {
    const node = await dhtNode()
    nodes.push(node)
    const fill = target == null ? undefined : filler(node, target)
    if (fill != null) fills.push(fill)
    fill?.start()
    await node.dial(hub.getMultiaddrs()[0])
    await until(() => tableSize(node) >= 1, 20_000)
    return { node, fill }
  }

  before(async () => {
    hub = await dhtNode()
    nodes.push(hub)
    // four peers only the hub knows of
    for (let i = 0; i < 4; i++) await join()
    await until(() => tableSize(hub) >= 4, 20_000)
  })

  after(async () => {
    for (const fill of fills) fill.stop()
    await Promise.allSettled(nodes.map(async n => n.stop()))
  })

  it('a node that knows only the hub learns the peers close to it once the hub joins its table', async () => {
    const { fill } = await join(20)
    const filled = nodes.at(-1) as DhtNode
    await until(() => tableSize(filled) >= 5, 30_000)
    assert.ok((fill as RoutingFill).lookups >= 1)
    // the same join without a filler: the hub is all it knows
    const { node: plain } = await join()
    assert.equal(tableSize(plain), 1)
  })

  it('looks no more once its table holds `target` peers', async () => {
    const { node, fill } = await join(3)
    await until(() => tableSize(node) >= 3, 30_000)
    const lookups = (fill as RoutingFill).lookups
    // another peer joining the full table starts no lookup
    const newcomer = await dhtNode()
    nodes.push(newcomer)
    await newcomer.dial(node.getMultiaddrs()[0])
    const before = tableSize(node)
    await until(() => tableSize(node) > before, 20_000)
    assert.equal((fill as RoutingFill).lookups, lookups)
  })
})
