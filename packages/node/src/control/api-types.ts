import type { CollectionProgress } from '../collection/index.js'
import type { TransferProgress } from '../download/transfer.js'

/**
 * The control API's JSON shapes: what the CLI, scripts and (later) a web UI send
 * and receive. All routes live under /v1 on 127.0.0.1 and need the bearer token
 * from `<repo>/api.json`.
 *
 *   GET    /v1/id                  -> NodeInfo
 *   GET    /v1/files               -> { files: FileInfo[], collections: CollectionInfo[] }
 *   POST   /v1/share  ShareRequest -> FileInfo, or CollectionInfo for a folder or several paths
 *   POST   /v1/get    GetRequest   -> NDJSON stream of GetEvent, ending in done or error
 *                                     (with detach: true, one TransferProgress, or CollectionProgress
 *                                     for a collection id, as JSON at once)
 *   GET    /v1/transfers           -> { transfers: TransferProgress[] }
 *   POST   /v1/transfers/:fileId/pause|resume -> TransferProgress
 *   POST   /v1/transfers/:fileId/cancel       -> { cancelled: fileId }
 *   GET    /v1/limits              -> BandwidthLimits
 *   POST   /v1/limits  Partial<BandwidthLimits> -> BandwidthLimits
 *   DELETE /v1/files/:fileId       -> { removed: fileId }
 *   GET    /v1/status              -> NodeStatus
 *   GET    /v1/peers               -> { peers: PeerEntry[] }
 *   POST   /v1/swarm/connect  ConnectRequest   -> { peerId }
 *   POST   /v1/providers      ProvidersRequest -> NDJSON stream of ProvidersEvent, ending in done or error
 *
 * Errors: a non-2xx status with `{ error: ApiError }`.
 */

export interface ApiError {
  /** stable machine-readable code, e.g. ERR_FILE_NOT_FOUND */
  code: string
  /** one line for a human */
  message: string
}

export interface NodeInfo {
  peerId: string
  addresses: string[]
  repo: string
  version: string
}

export interface FileInfo {
  fileId: string
  name: string
  size: number
  sha256: string
  mimeType: string
  description: string
  tags: string[]
  /** unix ms the sharer created the record */
  created: number
  /** where the bytes are: the repo's blob store, or a downloaded file's path */
  path?: string
}

/** A collection (a shared folder or several files): `ls` and `share` of a folder */
export interface CollectionInfo {
  collectionId: string
  name: string
  /** files in it, empty ones included */
  files: number
  /** empty directories listed */
  directories: number
  /** total bytes */
  size: number
  description: string
  tags: string[]
  created: number
  /** where a downloaded collection was saved */
  path?: string
  /** after a share: paths left out (symlinks, special files), relative to the collection */
  skipped?: string[]
}

export interface ShareRequest {
  /** absolute path of the file to share; a directory is shared as a collection */
  path?: string
  /** absolute paths shared together as one collection (instead of `path`) */
  paths?: string[]
  description?: string
  tags?: string[]
}

export interface GetRequest {
  /** file id, SHA-256 (hex, `sha256:` hex, or raw CID) or collection id */
  ref: string
  /** multiaddr of a peer that has the file, ending in /p2p/<peer id>; without it, the DHT is asked */
  peer?: string
  /** more peers that have the file (multiaddrs), used as sources from the start */
  peers?: string[]
  /** destination path or existing directory (for a collection: the directory to recreate it in); relative to `cwd` */
  output?: string
  /** the client's working directory */
  cwd?: string
  /** share of bandwidth among downloads when limited @default 'normal' */
  priority?: 'low' | 'normal' | 'high'
  /** start the download and answer at once instead of streaming progress */
  detach?: boolean
}

export type GetEvent =
  | ({ type: 'progress' } & TransferProgress)
  | { type: 'done', file: FileInfo, path: string }
  | ({ type: 'collection-progress' } & CollectionProgress)
  | { type: 'done', collection: CollectionInfo, path: string }
  | { type: 'error', error: ApiError }

export interface ConnectRequest {
  /** multiaddr ending in /p2p/<peer id> */
  addr: string
}

export interface ProvidersRequest {
  /** file id or SHA-256 */
  ref: string
  /** ms to keep looking (default: the node's lookupTimeout) */
  timeout?: number
}

export type ProvidersEvent =
  | { type: 'provider', peerId: string, addresses: string[], fileId?: string }
  | { type: 'done', count: number }
  | { type: 'error', error: ApiError }

export type { NodeStatus } from '../status.js'
export type { TransferProgress } from '../download/transfer.js'
export type { CollectionProgress } from '../collection/index.js'
export type { BandwidthLimits } from '../limits/bandwidth.js'
export type { PeerEntry } from '../swarm/swarm.js'

/** Contents of `<repo>/api.json`, written by a running daemon */
export interface ApiEndpoint {
  url: string
  token: string
  pid: number
}
