/** What a download reports about itself: to the control API, the CLI and tests */
import type { Bitfield, Manifest } from '@peershare/protocol'

// the JSON shapes live with the control API's client
export type { SourceTotals, StallReason, TransferProgress, TransferStatus } from '@peershare/client'

/** Bytes of the file in the chunks `field` holds (the last chunk may be short) */
export function bytesHeld (manifest: Pick<Manifest, 'size' | 'chunkSize'>, field: Bitfield): number {
  if (field.complete) return manifest.size
  let bytes = field.count * manifest.chunkSize
  const last = field.length - 1
  if (field.has(last)) bytes -= manifest.chunkSize - (manifest.size - last * manifest.chunkSize)
  return bytes
}
