/**
 * What a node reports about itself through the control API: status, downloads,
 * peers, bandwidth limits. The node builds these values; clients read them as JSON.
 */

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

/** `stalled`: running, but no source is delivering; `stallReason` says why */
export type TransferStatus = 'running' | 'stalled' | 'paused' | 'completed' | 'failed' | 'cancelled'

/**
 * Why a running download has no source delivering (stable codes for scripts):
 * - `no-providers`: nobody is known to have the file (no provider found, given peers lack it)
 * - `providers-unreachable`: peers that should have it cannot be reached or stopped answering
 * - `all-banned`: every peer known to have it sent data that failed verification
 * - `paused-by-sources`: every source reached refuses for now (busy)
 */
export type StallReason = 'no-providers' | 'providers-unreachable' | 'all-banned' | 'paused-by-sources'

export interface TransferProgress {
  fileId: string
  name: string
  output: string
  state: TransferStatus
  priority: 'low' | 'normal' | 'high'
  bytesDone: number
  /** null until a source's verified manifest gives the size */
  bytesTotal: number | null
  /** bytes per second over the last few seconds (decays to 0 when nothing arrives) */
  rate: number
  /** seconds left at the current rate; null when unknown (nothing arriving, or size unknown) */
  eta: number | null
  /** why a `stalled` download waits; null otherwise */
  stallReason: StallReason | null
  /** the same for a person; null when not stalled */
  stallMessage: string | null
  /** seconds until a stalled download looks for sources again; null when not stalled */
  nextLookIn: number | null
  /** sources being fetched from now */
  sources: number
  /** per source: chunks and bytes it delivered in this run, and its current rate if still active */
  sourceStats: SourceTotals[]
  /** chunk bytes received since this process started the download (including any discarded) */
  bytesReceived: number
  /** sources banned from this download for sending data that failed verification */
  banned: string[]
  error?: { code: string, message: string }
}

export interface SourceTotals {
  peerId: string
  chunks: number
  bytes: number
  active: boolean
  rate: number
}

/** A collection download: `listing` until its listing is fetched and verified */
export type CollectionState = 'listing' | 'running' | 'completed' | 'failed'

export interface CollectionProgress {
  collectionId: string
  name: string
  /** the directory the tree goes in (empty until the listing is known) */
  output: string
  state: CollectionState
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  /** bytes per second over the member downloads running */
  rate: number
  /** member downloads running now */
  active: number
  error?: { code: string, message: string }
}

export interface PeerEntry {
  peerId: string
  addresses: string[]
  /** round-trip time in milliseconds, or undefined if the ping failed */
  latencyMs?: number
}

/** Bandwidth limits in bytes per second, 0 for none */
export interface BandwidthLimits {
  upload: number
  uploadPerPeer: number
  download: number
}
