/**
 * @packageDocumentation
 *
 * `@peershare/node`: a peershare node. `PeershareNode.create(init)` opens (or
 * creates) a repo directory and builds the libp2p host and the services; `start()`
 * joins the network. `share(path)` hashes and stores a file and returns its file id;
 * `get(fileId)` downloads and verifies one (`download` starts one and returns it). The
 * control API (`startDaemon`, `ControlServer`) is how the CLI and other local programs drive a running node;
 * its client and JSON types are `@peershare/client`.
 * `PeershareNode.compose(config, parts)` builds a node from a datastore, blob store, key
 * and libp2p factory given from outside (compose/; `nodeParts` is the Node adapter).
 *
 * Every setting, with its default, is in `DEFAULTS` (see config.ts).
 */
// first: before anything loads libp2p's logger (log-colors.ts)
import './log-colors.js'
export { DEFAULTS, bootstrapFromEnv, resolveConfig, type NodeConfig, type NodeInit, type ExchangeLimits } from './config.js'
export * from './errors.js'
export { PeershareNode, type GetOptions } from './peershare-node.js'
export { type BlobReader, type BlobStore, type BlobWriter, FsBlobStore, type Libp2pFactory, type NodeParts, ShortReadError } from './compose/index.js'
export { nodeParts } from './compose/node.js'
export { createPeershareLibp2p } from './libp2p.js'
/** a WebRTC-direct listen address on UDP port 0 given a port free for UDP (libp2p's own pick checks TCP only) */
export { withUdpPortsChosen } from './swarm/listen-ports.js'
export type { ProviderEntry } from './dht/index.js'
export type { ShareOptions } from './share.js'
export type { FileRecord, FileLocation } from './store/file-record.js'
export type { StallReason, Transfer, TransferProgress, TransferStatus } from './download/transfer.js'
export { startDaemon, type Daemon, type DaemonInit } from './control/daemon.js'
export { ControlServer } from './control/control-server.js'
export type * from '@peershare/client'
export { VERSION } from '@peershare/client'
export { Bandwidth, type BandwidthLimits, type BandwidthStats } from './limits/bandwidth.js'
export { RateLimiter, type Clock, defaultBurst } from './limits/rate-limiter.js'
export { identifiedBefore } from './swarm/identify-again.js'
export { InvalidRateError, formatRate, parseRate } from '@peershare/client'
export { peershareEncrypters, peershareMuxer } from './libp2p.js'
export { drained } from './exchange/framed-stream.js'
export { SearchIndex, SearchService, ProviderTracker, type SearchQuery, type SearchSort, type QueryAnswerer, type RemoteSearch, type RemoteAnswer } from './search/index.js'
export { ANNOUNCE_TOPIC } from './catalog/gossip-config.js'
export { signOffer, openOffer, type CatalogView, type CatalogEntry, type SignedOffer } from './catalog/index.js'
export { type Contact, ContactStore, MAX_CONTACTS } from './contacts/index.js'
export { Access, type Grantees, NO_GRANTEES } from './access/index.js'
