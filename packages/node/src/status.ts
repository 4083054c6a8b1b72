/** A node's status report: identity, addresses, reachability, both DHTs' state, what it stores and serves, discovery figures */
import type { Libp2p } from '@libp2p/interface'
import type { DhtStatus, DiscoveryStatus, KeysStatus, NodeStatus, ReachabilityStatus, ReplicationStatus } from '@peershare/client'
import type { ExchangeServer } from './exchange/exchange-server.js'
import type { NamedDht } from './libp2p.js'
import type { FileRecord } from './store/file-record.js'
import { browserAddresses } from './transports/index.js'

export type { DhtStatus, DiscoveryStatus, NodeStatus }

/** What the report reads (the node fits it; typed by parts, so status.ts does not import the node) */
export interface StatusComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'getMultiaddrs' | 'getConnections'> & { services: { reachability: { status(): ReachabilityStatus } } }
  dhts: NamedDht[]
  /** the files stored */
  list(): Promise<FileRecord[]>
  exchange: Pick<ExchangeServer, 'stats'>
  discovery: { status(): DiscoveryStatus }
  keys: { status(): KeysStatus }
  replicationStatus(): ReplicationStatus
  /** why the node is connected to nobody; undefined while it has a peer */
  swarm: { isolation(): Promise<NodeStatus['isolated']> }
}

export async function nodeStatus (components: StatusComponents): Promise<NodeStatus> {
  const { libp2p, dhts, exchange, discovery } = components
  // replicas held for others are counted apart (replication), not as this node's files
  const files = (await components.list()).filter(f => f.replica == null)
  const dht = Object.fromEntries(dhts.map(d => [d.name, dhtStatus(d)])) as NodeStatus['dht']
  const isolated = await components.swarm.isolation()
  return {
    peerId: libp2p.peerId.toString(),
    addresses: libp2p.getMultiaddrs().map(a => a.toString()),
    connections: libp2p.getConnections().length,
    dht,
    files: files.length,
    storageBytes: files.reduce((sum, f) => sum + f.size, 0),
    inPlace: inPlaceFigures(files),
    exchange: exchange.stats(),
    discovery: discovery.status(),
    keys: components.keys.status(),
    replication: components.replicationStatus(),
    reachability: libp2p.services.reachability.status(),
    browser: browserAddresses(libp2p.peerId, libp2p.getMultiaddrs()),
    ...(isolated == null ? {} : { isolated })
  }
}

/** Files served from their own path (not copied into the repo), and those of them withdrawn as changed */
function inPlaceFigures (files: FileRecord[]): NonNullable<NodeStatus['inPlace']> {
  const outside = files.filter(f => f.location.kind === 'path')
  return { files: outside.length, bytes: outside.reduce((sum, f) => sum + f.size, 0), withdrawn: outside.filter(f => f.changed != null).length }
}

function dhtStatus ({ dht, protocol, routingTableSize }: NamedDht): DhtStatus {
  return { mode: dht.getMode(), protocol, routingTableSize: routingTableSize() }
}
