/** A node's status report: identity, addresses, both DHTs' state, what it stores */
import type { DhtStatus, NodeStatus } from '@peershare/client'
import type { NamedDht } from './libp2p.js'
import type { PeershareNode } from './peershare-node.js'

export type { DhtStatus, NodeStatus }

export async function nodeStatus (node: PeershareNode): Promise<NodeStatus> {
  const files = await node.list()
  const dht = Object.fromEntries(node.dhts.map(d => [d.name, dhtStatus(d)])) as NodeStatus['dht']
  return {
    peerId: node.peerId.toString(),
    addresses: node.addresses.map(a => a.toString()),
    connections: node.libp2p.getConnections().length,
    dht,
    files: files.length,
    storageBytes: files.reduce((sum, f) => sum + f.size, 0),
    exchange: node.exchange.stats()
  }
}

function dhtStatus ({ dht, protocol, routingTableSize }: NamedDht): DhtStatus {
  return { mode: dht.getMode(), protocol, routingTableSize: routingTableSize() }
}
