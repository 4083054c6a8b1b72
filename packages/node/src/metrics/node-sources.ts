/** What the metrics read from a node at each scrape: its services' own figures, typed by parts (no import of the node) */
import type { MetricsSources } from './index.js'

export interface ObservedNode {
  transfers: { list(): Array<{ state: string }> }
  bandwidth: { stats(): { upload: { bytes: number } } }
  index: { queueStats(): { queued: number, active: number } }
  discovery: { status(): { offers: { own: number, cached: number }, authors: number, tombstones: number } }
  holder: { list(): unknown[], usage(): { usedBytes: number, quotaBytes: number } }
  keeper: { replicator: { statuses(): Map<string, { state: string }> } }
}

export function nodeSources (node: ObservedNode): MetricsSources {
  return {
    transfers: () => node.transfers.list(),
    uploadedBytes: () => node.bandwidth.stats().upload.bytes,
    provideQueue: () => node.index.queueStats(),
    catalog: () => {
      const { offers, authors, tombstones } = node.discovery.status()
      return { ...offers, authors, tombstones }
    },
    replicas: () => ({ held: node.holder.list().length, ...node.holder.usage() }),
    replicationStates: () => node.keeper.replicator.statuses().values()
  }
}
