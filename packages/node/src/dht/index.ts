/**
 * The file index on the Kademlia DHTs (the LAN one and the public one): files provided
 * under their file id and their SHA-256 (`FileIndex`), providers looked up in both at
 * once (`lookupProviders`, what `peershare providers` streams), and the bounds on what
 * other peers put into ours: their provider records capped per peer and in all
 * (`ProviderRecordCap`), a peer named again in DHT answers not passed on for a while
 * (`dropRepeatedPeers`); provider records sent to the closest peers as the walk
 * meets them, or with no walk to those a lookup of the key has just found
 * (`provideOptimistically`); and connected peers let into the routing table
 * without a ping, others only while the table is small (`addConnectedContacts`); and the peers its answers name read from
 * memory for a while (`PeerReads`); requests sent behind their protocol's proposal,
 * without waiting for its echo (`lazyDhtStreams`). libp2p.ts wires the last six into
 * each DHT.
 */
export { type Announced, FileIndex, type FileIndexComponents, type IndexDht, type IndexedFile, PROVIDE_STORED_ENOUGH } from './file-index.js'
export { type ProviderEntry, type ProviderLookupComponents, lookupProviders } from './provider-lookup.js'
export { type ProviderCapLimits, ProviderRecordCap } from './provider-cap.js'
export { type PeerNews, REPEAT_WINDOW_MS, dropRepeatedPeers } from './repeat-peers.js'
export { type KadContentRouting, provideOptimistically } from './optimistic-provide.js'
export { addConnectedContacts, type IsConnected, PING_NEW_CONTACTS_BELOW } from './connected-contacts.js'
export { PEER_READS_DEFAULTS, PeerReads, type PeerReadsInit, type PeerUpdates } from './peer-reads.js'
export { echoed, lazyDhtStreams, type StreamOpener } from './lazy-streams.js'
