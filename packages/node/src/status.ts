/** A node's status report: identity, addresses, both DHTs' state, what it stores */
import type { NamedDht } from './libp2p.js'
import type { PeershareNode } from './peershare-node.js'

export interface DhtStatus {
  /** server: answers queries; client: only asks */
  mode: 'client' | 'server'
  protocol: string
  routingTableSize: number
}

export interface NodeStatus {
  peerId: string
  addresses: string[]
  connections: number
  /** the LAN DHT (private and loopback addresses, always a server) and the public one (`--dht-mode`) */
  dht: { lan: DhtStatus, public: DhtStatus }
  files: number
  /** bytes of file content this node serves (its blobs and downloaded files) */
  storageBytes: number
  exchange: { sessions: number, unsentBytes: number }
}

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
