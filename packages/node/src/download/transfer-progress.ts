/** What a download reports about itself: to the control API, the CLI and tests */
import type { SourceTotals } from '@peershare/client'
import type { Bitfield, Manifest } from '@peershare/protocol'
import type { Credit } from './source-worker.js'

// the JSON shapes live with the control API's client
export type { SourceTotals, StallReason, TransferProgress, TransferStatus } from '@peershare/client'

/** The sources of a download as its progress shows them (source-pool.ts `SourcePool`) */
export interface ActiveSources {
  activePeers(): string[]
  has(peer: string): boolean
  rate(peer: string): number
  via(peer: string): SourceTotals['via'] | undefined
}

/** What each source delivered to a download: verified chunks, and their bytes */
export class Deliveries {
  private readonly bySource = new Map<string, { chunks: number, bytes: number }>()

  /** A chunk from `peer`; `credit` says who sent which of its bytes (a chunk joined from parts of several sources) */
  add (peer: string, credit: Credit[]): void {
    for (const part of credit) this.of(part.peer).bytes += part.bytes
    this.of(peer).chunks++
  }

  /** Every source that delivered or is fetching, with what it delivered */
  totals (sources: ActiveSources): SourceTotals[] {
    const peers = new Set([...this.bySource.keys(), ...sources.activePeers()])
    return [...peers].map(peerId => ({
      peerId,
      chunks: this.bySource.get(peerId)?.chunks ?? 0,
      bytes: this.bySource.get(peerId)?.bytes ?? 0,
      active: sources.has(peerId),
      rate: sources.rate(peerId),
      ...(sources.has(peerId) ? { via: sources.via(peerId) } : {})
    }))
  }

  private of (peer: string): { chunks: number, bytes: number } {
    let totals = this.bySource.get(peer)
    if (totals == null) {
      totals = { chunks: 0, bytes: 0 }
      this.bySource.set(peer, totals)
    }
    return totals
  }
}

/** Bytes of the file in the chunks `field` holds (the last chunk may be short) */
export function bytesHeld (manifest: Pick<Manifest, 'size' | 'chunkSize'>, field: Bitfield): number {
  if (field.complete) return manifest.size
  let bytes = field.count * manifest.chunkSize
  const last = field.length - 1
  if (field.has(last)) bytes -= manifest.chunkSize - (manifest.size - last * manifest.chunkSize)
  return bytes
}
