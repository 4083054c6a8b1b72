/**
 * What a node reports about itself through the control API: status, downloads,
 * peers, bandwidth limits. The node builds these values; clients read them as JSON.
 */

export interface NodeStatus {
  peerId: string
  addresses: string[]
  connections: number
  dht: { mode: 'client' | 'server', protocol: string, routingTableSize: number }
  files: number
  /** bytes of file content this node serves (its blobs and downloaded files) */
  storageBytes: number
  exchange: { sessions: number, unsentBytes: number }
}

export type TransferStatus = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'

export interface TransferProgress {
  fileId: string
  name: string
  output: string
  state: TransferStatus
  priority: 'low' | 'normal' | 'high'
  bytesDone: number
  bytesTotal: number
  /** bytes per second over the last few seconds */
  rate: number
  /** seconds left at the current rate, when known */
  eta?: number
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

export interface PeerEntry {
  peerId: string
  addresses: string[]
  /** round-trip time in ms, or undefined if the ping failed */
  latency?: number
}

/** Bandwidth limits in bytes per second, 0 for none */
export interface BandwidthLimits {
  upload: number
  uploadPerPeer: number
  download: number
}
