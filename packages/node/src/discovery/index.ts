/**
 * Discovery: how this node's offers reach peers and how it finds theirs. One
 * composition (`Discovery`) over the catalog (`catalog/`: store, own offers, gossip
 * announcements, catalog pulls) and search (`search/`: local index, remote queries),
 * started in two steps by the node: the protocol servers and catalog catch-up before
 * downloads are restored, the search index and gossip after the swarm starts.
 */
export { Discovery, type DiscoveryComponents } from './discovery.js'
export type { DiscoveryStatus } from '@peershare/client'
