/**
 * The pure parts of the node a browser peer composes with its own libp2p and storage
 * (`@peershare/node/engine`): the exchange client and server, the multi-source engine
 * (sources, workers, chunk picking), chunk and whole-file verification, and the
 * asking side of remote search (signed offers verified as the node does), and the
 * window a yamux stream's opener grants (`openReceiveWindow`) and the streams' sizes. Nothing
 * reachable from here imports a Node-only module: hashing and compression go through
 * `platform/`.
 */
export { FetchSession, type FetchSessionComponents, type FirstRequest, type SessionEvent } from './exchange/fetch-session.js'
export { openReceiveWindow, YAMUX_READ_BUFFER_BYTES, YAMUX_WINDOW_BYTES } from './transports/yamux-frames.js'
export { SourcePool, type PoolHost, type SourceFinder, type SourcePoolInit, type TransferSettings } from './download/source-pool.js'
export type { Credit, WorkerHost } from './download/source-worker.js'
export { ChunkPicker } from './download/chunk-picker.js'
export { PartAssembly } from './download/part-assembly.js'
export { type ChunkData, chunkMatches, chunkVerified, piecesOf } from './download/chunk-data.js'
export { PrefixHasher, type ReadChunk } from './download/prefix-hasher.js'
export type { StallReason } from './download/transfer-progress.js'
export { platform, type Platform, type Sha256Hash } from './platform/index.js'
export { ExchangeServer, type ExchangeServerComponents } from './exchange/exchange-server.js'
export type { ServableFile, ServableFiles, WantedFile } from './exchange/servable.js'
export type { ChunkReader } from './store/chunk-readers.js'
export type { ExchangeLimits } from './config.js'
export { RemoteSearchClient, type RemoteSearchComponents, type RemoteSearchSettings } from './search/remote-search.js'
export type { RemoteAnswer, SearchQuery } from './search/index.js'
export type { CatalogEntry } from './catalog/index.js'
export type { SignedOffer } from './catalog/signed-offer.js'
