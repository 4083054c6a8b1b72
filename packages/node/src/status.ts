/** A node's status report: identity, addresses, DHT state, what it stores */
import type { NodeStatus } from '@peershare/client'
import type { PeershareNode } from './peershare-node.js'

export type { NodeStatus }

export async function nodeStatus (node: PeershareNode): Promise<NodeStatus> {
  const files = await node.list()
  const dht = node.libp2p.services.dht
  return {
    peerId: node.peerId.toString(),
    addresses: node.addresses.map(a => a.toString()),
    connections: node.libp2p.getConnections().length,
    dht: { mode: dht.getMode(), protocol: node.config.dhtProtocol, routingTableSize: routingTableSize(dht) },
    files: files.length,
    storageBytes: files.reduce((sum, f) => sum + f.size, 0),
    exchange: node.exchange.stats()
  }
}

/** kad-dht's implementation exposes its routing table; its interface type does not */
function routingTableSize (dht: object): number {
  const table = (dht as { routingTable?: { size?: number } }).routingTable
  return typeof table?.size === 'number' ? table.size : 0
}
