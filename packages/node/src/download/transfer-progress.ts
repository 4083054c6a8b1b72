/** What a download reports about itself: to the control API, the CLI and tests */
import type { Bitfield, Manifest, Priority } from '@peershare/protocol'

export type TransferStatus = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'

export interface TransferProgress {
  fileId: string
  name: string
  output: string
  state: TransferStatus
  priority: Priority
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

/** Bytes of the file in the chunks `field` holds (the last chunk may be short) */
export function bytesHeld (manifest: Pick<Manifest, 'size' | 'chunkSize'>, field: Bitfield): number {
  if (field.complete) return manifest.size
  let bytes = field.count * manifest.chunkSize
  const last = field.length - 1
  if (field.has(last)) bytes -= manifest.chunkSize - (manifest.size - last * manifest.chunkSize)
  return bytes
}
