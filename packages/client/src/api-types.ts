import type { BandwidthLimits, CollectionProgress, SearchUpdate, TransferProgress } from './reports.js'

/**
 * The control API's JSON shapes: what the CLI, scripts and (later) a web UI send
 * and receive. All routes live under /v1 on 127.0.0.1 and need the bearer token
 * from `<repo>/api.json`.
 *
 *   GET    /v1/id                  -> NodeInfo
 *   GET    /v1/files               -> { files: FileInfo[], collections: CollectionInfo[] }
 *                                     (thumbnails left out; `?all=true` lists them too)
 *   GET    /v1/files/:id/ticket    -> TicketInfo (id: a file or collection id, or a unique prefix)
 *   POST   /v1/share  ShareRequest -> ShareResult, or CollectionShareResult for a folder or several paths
 *   POST   /v1/get    GetRequest   -> NDJSON stream of GetEvent, ending in done or error
 *                                     (with detach: true, one TransferProgress, or CollectionProgress
 *                                     for a collection id, as JSON at once)
 *   GET    /v1/content/:fileId     -> the file's verified bytes in order, as they arrive (octet stream;
 *                                     from the store, or from its download; broken off on failure)
 *   GET    /v1/transfers           -> { transfers: TransferProgress[] }
 *   POST   /v1/transfers/:fileId/pause|resume -> TransferProgress
 *   POST   /v1/transfers/:fileId/cancel       -> { cancelled: fileId }
 *                                     (pause, resume, cancel of a finished download: 409 ERR_TRANSFER_FINISHED)
 *   GET    /v1/limits              -> BandwidthLimits
 *   POST   /v1/limits  LimitsRequest -> BandwidthLimits
 *   DELETE /v1/files/:fileId       -> { removed: fileId } (a replica too: its quota is freed)
 *   GET    /v1/replicas            -> ReplicasInfo (replicas held for other peers; hidden from /v1/files)
 *   POST   /v1/verify  VerifyRequest -> { files: VerifiedFileInfo[] } (every chunk hashed; damaged files
 *                                     are marked, withdrawn and, when shared, repaired)
 *
 * `:fileId` in /v1/transfers and DELETE /v1/files may be any unique prefix of the id
 * (ERR_AMBIGUOUS_ID when it names several); answers carry the full id.
 *   GET    /v1/status              -> NodeStatus
 *   GET    /v1/browser-addresses   -> BrowserAddresses (the addresses a browser can dial, with their scope)
 *   GET    /v1/peers               -> { peers: PeerEntry[] }
 *   POST   /v1/swarm/connect  ConnectRequest   -> { peerId }
 *   POST   /v1/providers      ProvidersRequest -> NDJSON stream of ProvidersEvent, ending in done or error
 *                                     (ERR_FILE_NOT_FOUND when nobody was found)
 *   POST   /v1/search  SearchRequest -> NDJSON stream of SearchEvent: results (local at once, then the
 *                                     merged list again after each remote answer), ending in done or error
 *   GET    /v1/browse?category=&author=&sort=&page=&pageSize= -> BrowseResult (per-category counts
 *                                     without a category)
 *   GET    /v1/offers/:id          -> OfferDetail (id: a content id in the catalog, or a unique prefix)
 *   POST   /v1/grants  GrantRequest -> { grants: GrantInfo[] } (each pushed now when its recipient is
 *                                     reachable, else pending and retried)
 *   GET    /v1/grants              -> { grants: GrantInfo[] } (the grants this node made)
 *   DELETE /v1/grants/:fileId/:peer -> { revoked: GrantInfo }
 *   GET    /v1/inbox               -> { entries: InboxEntry[] } (grants received, newest first)
 *   GET    /v1/contacts            -> { contacts: ContactInfo[] }
 *   POST   /v1/contacts  ContactRequest -> ContactInfo (adds, or renames a contact)
 *   DELETE /v1/contacts/:nameOrPeerId -> ContactInfo (the contact removed; ERR_CONTACT_NOT_FOUND)
 *   POST   /v1/files/:id/visibility  VisibilityRequest -> { fileId, visibility } (id: a file id or unique prefix)
 *   POST   /v1/files/:id/replication ReplicateRequestBody -> ReplicationInfo (sets the policy; checks at once)
 *   GET    /v1/files/:id/replication -> ReplicationInfo (the last check; ERR_FILE_NOT_FOUND when not local)
 *   GET    /metrics                -> Prometheus text format (not JSON; ERR_NOT_FOUND when metrics.enabled is off)
 *   POST   /v1/webui/login          -> WebUiLogin (api token only: a one-time URL that logs a browser in)
 *   POST   /v1/webui/logout         -> {} (ends the session of the request's cookie, and clears the cookie)
 *   GET    /v1/events               -> text/event-stream: `transfers` { transfers: TransferProgress[] } on
 *                                     connect, `transfer` TransferProgress, `files` {} (the local files changed)
 *   POST   /v1/upload?name=&options= -> ShareResult (body: the file's bytes; options: a ShareRequest without
 *                                     paths, as JSON; at most config maxUploadBytes: 413 ERR_TOO_LARGE)
 *
 * The web UI calls the same routes with its session cookie instead of the token; a
 * request whose Origin is another web origin gets 403 ERR_FORBIDDEN.
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
  /**
   * `ok`: served; `modified` or `missing`: a file shared in place or downloaded changed
   * or gone on disk, no longer served nor provided (one shared in place until it is
   * shared again); `damaged`: a chunk failed its hash (found when read for a peer or by
   * `verify`), not served nor provided; a file shared as a copy (in the repo) damaged or
   * missing is fetched again from other providers, then `ok`
   */
  status: 'ok' | 'modified' | 'missing' | 'damaged'
  /** when `status` is not `ok`: what was found (size, mtime, inode, a chunk's hash, not found) */
  reason?: string
  name: string
  size: number
  sha256: string
  mimeType: string
  description: string
  tags: string[]
  /**
   * unix ms the original was created: its birth time where the sharer's file system
   * keeps one, else its last modification (records from before: when first shared)
   */
  created: number
  /** offer category: chosen with `--category`, else the MIME type's */
  category: OfferCategory
  /** unix ms the original was last modified (0 unknown: a download, an older record) */
  modified: number
  /** file id of its thumbnail, a file in the same store */
  thumbnail?: string
  /** set on a thumbnail: the file or collection id it shows (listed only with `?all=true`) */
  thumbnailOf?: string
  /** where the bytes are, outside the repo: a file shared in place, a downloaded file's path (an encrypted file's decrypted copy); absent: a copy in the repo's blob store */
  path?: string
  /**
   * set for an encrypted file: name, size, SHA-256 and MIME type are then the
   * plaintext's, from the sealed metadata; without the key (a file held with `get
   * --hold`) they are the ciphertext's and the name is the file id
   */
  encrypted?: true
  /** who it is served to (absent: public) */
  visibility?: FileVisibility
  /** a file kept alive by replication: holders counted live at the last check, and the target */
  replicas?: { live: number, min: number, max: number }
}

/** What `POST /v1/files/:id/replication` takes: `<min>[:<max>]`, or none for config `replication.replicas` */
export interface ReplicateRequestBody {
  replicas?: string
}

/** A file's replication (`peershare status <file-id>`) */
export interface ReplicationInfo {
  fileId: string
  /** the target (min 0: local only; nothing else is then set) */
  policy: { min: number, max: number }
  /** 'none': local only */
  state: 'ok' | 'under-replicated' | 'over' | 'none'
  /** peers seen serving it within the loss grace at the last check */
  live: string[]
  /** peers that accepted it and are still fetching it (counted toward min, not yet live) */
  fetching: string[]
  /** holders unseen for the loss grace (being replaced) */
  lost: string[]
  /** why it is under-replicated: recruiting, no-candidates, too-few-candidates, refused */
  why?: string
  /** the same in words */
  reason?: string
  /** unix ms of the last check */
  lastCheck?: number
  /** this node shares it (owner) or holds a replica of it (holder) */
  role?: 'owner' | 'holder'
}

/** The categories an offer is listed under (the protocol's CATEGORIES; a test keeps the two equal) */
/** Orders of search results (browse never ranks by relevance) */
export type SearchSort = 'relevance' | 'name' | 'size' | 'date' | 'providers'

/**
 * Who a shared file is served to: `public` (announced, in the DHT), `contacts` (only to
 * this node's contacts), `private` (only to the peers it is shared with; never announced)
 */
export const VISIBILITIES = ['public', 'contacts', 'private'] as const
export type FileVisibility = typeof VISIBILITIES[number]

/** One contact: a peer this node knows by name, served its contacts-only files */
/** A replica this node holds for another peer (`ls --replicas`, GET /v1/replicas) */
export interface ReplicaInfo {
  fileId: string
  size: number
  /** the peer that asked this node to hold it */
  from: string
  /** ciphertext held without its key */
  encrypted: boolean
  policy: { min: number, max: number }
  /** unix ms accepted */
  accepted: number
  /** 'fetching' until verified and stored */
  state: 'fetching' | 'held'
}

/** GET /v1/replicas */
export interface ReplicasInfo {
  replicas: ReplicaInfo[]
  usedBytes: number
  quotaBytes: number
}

export interface ContactInfo {
  peerId: string
  name?: string
  /** unix ms it was added or renamed */
  added: number
}

/** What `POST /v1/contacts` takes: a peer id and an optional name (unique, ignoring case) */
export interface ContactRequest {
  peerId: string
  name?: string
}

/** What `POST /v1/files/:id/visibility` takes */
export interface VisibilityRequest {
  visibility: FileVisibility
}

export const OFFER_CATEGORIES = ['video', 'audio', 'image', 'document', 'archive', 'software', 'other'] as const
export type OfferCategory = typeof OFFER_CATEGORIES[number]

/** What `POST /v1/verify` takes: one file (id or unique prefix), or none for every file */
export interface VerifyRequest {
  ref?: string
}

/** One file as `verify` found it after hashing every chunk: `damagedChunks` lists those that failed */
export interface VerifiedFileInfo extends FileInfo {
  damagedChunks: number[]
}

/** What share answers: the file, and a ticket for it */
export interface ShareResult extends FileInfo {
  ticket: string
}

/** A ticket for a local file or collection (`peershare ticket`), with what it holds */
export interface TicketInfo {
  /** `peershare1…`: give it to `peershare get` on another node */
  ticket: string
  /** the file id or collection id in it */
  id: string
  name: string
  size: number
  /** the addresses in the ticket, each ending in /p2p/<peer id> */
  addresses: string[]
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
  /** `--category`, else the category of most of its bytes ('other' for a downloaded collection) */
  category: OfferCategory
  /** unix ms its newest file was last modified (0 unknown) */
  modified: number
  /** file id of the thumbnail given with `--thumbnail` */
  thumbnail?: string
  /** where a downloaded collection was saved */
  path?: string
  /** after a share: paths left out (symlinks, special files), relative to the collection */
  skipped?: string[]
}

/** What share of a folder or several paths answers: the collection, and a ticket for it */
export interface CollectionShareResult extends CollectionInfo {
  ticket: string
}

export interface ShareRequest {
  /** absolute path of the file to share; a directory is shared as a collection */
  path?: string
  /** absolute paths shared together as one collection (instead of `path`) */
  paths?: string[]
  description?: string
  tags?: string[]
  /** one of OFFER_CATEGORIES (any case); without it, derived from the content */
  category?: string
  /** absolute path of an image (JPEG, PNG, WebP, GIF, AVIF, TIFF) to show for the file or collection */
  thumbnail?: string
  /** encrypt the file for these recipients (peer ids or contact names); the file key is granted to each */
  to?: string[]
  /** one of VISIBILITIES @default 'public', or 'private' when `to` is given */
  visibility?: FileVisibility
  /** keep it alive on `<min>[:<max>]` peers; 'default': config `replication.replicas`; without it config `replication.shareDefault` */
  replicas?: string
  /** keep a private copy in the node's repo instead of serving the file where it is (encrypted files are always copies) @default false */
  copy?: boolean
}

export interface GetRequest {
  /** file id, SHA-256 (hex, `sha256:` hex, or raw CID), collection id, or ticket (`peershare1…`) */
  ref: string
  /** multiaddr of a peer that has the file, ending in /p2p/<peer id>; without it, the DHT is asked */
  peer?: string
  /** more peers that have the file (multiaddrs), used as sources from the start */
  peers?: string[]
  /** destination path; an existing directory or a path ending in `/` is a directory; for a collection, the directory to recreate it in; relative to `cwd` */
  output?: string
  /** replace an existing output file @default false */
  force?: boolean
  /**
   * download into the node's repo, chunks in order, for reading through
   * GET /v1/content/:fileId as they verify (`get -o -`); not with `output` or `detach`
   */
  stream?: boolean
  /** give up after this many ms: a final ERR_TIMEOUT error event, the download left paused */
  timeout?: number
  /** the client's working directory */
  cwd?: string
  /** share of bandwidth among downloads when limited @default 'normal' */
  priority?: 'low' | 'normal' | 'high'
  /** start the download and answer at once instead of streaming progress */
  detach?: boolean
  /**
   * keep the file in the repo and serve it, never decrypting it (an encrypted file
   * needs no key for this); not with `output` or `stream`
   */
  hold?: boolean
}

export type GetEvent =
  | ({ type: 'progress' } & TransferProgress)
  | { type: 'done', file: FileInfo, path: string }
  | ({ type: 'collection-progress' } & CollectionProgress)
  | { type: 'done', collection: CollectionInfo, path: string }
  | { type: 'error', error: ApiError }

/** New limits, bytes per second or text such as "8MiB"; saved in config.json unless `temporary` */
export type LimitsRequest = Partial<Record<keyof BandwidthLimits, number | string>> & { temporary?: boolean }

export interface ConnectRequest {
  /** multiaddr to dial itself; with /p2p/<peer id> at the end, only that peer is accepted there */
  addr: string
}

export interface ProvidersRequest {
  /** file id or SHA-256 */
  ref: string
  /** ms to keep looking (default: the node's lookupTimeout) */
  timeout?: number
}

export type ProvidersEvent =
  /** addresses are dialable: each ends in /p2p/<peer id>, none twice */
  | { type: 'provider', peerId: string, addresses: string[], fileId?: string }
  | { type: 'done', count: number }
  | { type: 'error', error: ApiError }

/** What `POST /v1/search` takes; the sort and filters also apply to the remote peers' answers */
export interface SearchRequest {
  /** words (prefix of the last, typo tolerant); "" matches everything; at most 256 bytes */
  text: string
  /** video, audio, image, document, archive, software or other */
  category?: string
  /** an exact MIME type, or a prefix ending in / (video/) */
  mimeType?: string
  /** bytes */
  minSize?: number
  maxSize?: number
  /** offers of this author (peer id) only */
  author?: string
  /** @default 'relevance' */
  sort?: SearchSort
  /** results at most, 1 to 200 @default 20 */
  limit?: number
  /** only this node's index: no remote query */
  local?: boolean
}

export type SearchEvent = SearchUpdate | { type: 'error', error: ApiError }

/** What `GET /v1/browse` takes (as query parameters) */
export interface BrowseRequest {
  category?: string
  author?: string
  /** relevance means date here (there are no words) @default 'date' */
  sort?: SearchRequest['sort']
  /** from 1 @default 1 */
  page?: number
  /** 1 to 100 @default 20 */
  pageSize?: number
}

/** What `POST /v1/grants` takes: a local file (id or unique prefix) and the peer ids to grant it to */
export interface GrantRequest {
  fileId: string
  peers: string[]
}

/** A grant this node made (`peershare grant`) */
export interface GrantInfo {
  fileId: string
  /** the recipient's peer id */
  peer: string
  /** file-key: the file key wrapped to the recipient; permission: a plaintext file, no key */
  kind: 'file-key' | 'permission'
  /** pending: not yet accepted by the recipient (retried); delivered: it accepted; revoked: no longer served */
  state: 'pending' | 'delivered' | 'revoked'
  /** unix ms */
  created: number
  deliveredAt?: number
  revokedAt?: number
  /** failed delivery attempts */
  attempts: number
  lastError?: string
  /** while pending after a failure: unix ms of the next timed try (the recipient connecting pushes sooner) */
  nextAttempt?: number
}

/** A grant this node received (`peershare inbox`): `get <fileId>` downloads the file */
export interface InboxEntry {
  fileId: string
  /** the sender's peer id: a source for the download */
  from: string
  kind: GrantInfo['kind']
  /** the file's name: from its sealed metadata, opened with the granted key */
  name: string
  mimeType: string
  /** bytes of the file once decrypted */
  plaintextSize: number
  /** bytes to download (the ciphertext of an encrypted file) */
  size: number
  /** unix ms the sender made the grant (its clock) */
  granted: number
  /** unix ms this node received it */
  received: number
  /** the file is in this node's store */
  downloaded: boolean
}

export type { BrowseResult, OfferDetail, OfferInfo, SearchHit, SearchUpdate } from './reports.js'
export type { BrowserAddress, BrowserAddresses, CollectionProgress, CollectionState, DhtStatus, NodeStatus } from './reports.js'
export type { TransferProgress } from './reports.js'
export type { BandwidthLimits } from './reports.js'
export type { PeerEntry } from './reports.js'

/** What `POST /v1/webui/login` answers (api token only): a URL that logs a browser in once, within a minute */
export interface WebUiLogin {
  url: string
}

/** `POST /v1/stop`: the daemon stops once it answered; its process (`pid`) ends when it stopped */
export interface StopResult {
  stopping: true
  pid: number
}

/** Contents of `<repo>/api.json`, written by a running daemon */
export interface ApiEndpoint {
  url: string
  token: string
  pid: number
}
