/** The metrics read from the node's state at each scrape: nothing to keep in step as things change */
import { Counter, Gauge, type Registry } from 'prom-client'
import type { MetricsSources } from './index.js'

/** A download's states (TransferStatus): each one is exported, 0 included */
export const TRANSFER_STATES = ['running', 'stalled', 'paused', 'completed', 'failed', 'cancelled'] as const
/** A kept file's replication states at its last check (ReplicaState) */
const REPLICA_STATES = ['ok', 'under-replicated', 'over'] as const

/** Registers the scrape-time metrics on `registry`; they read the sources `current()` gives (none yet: no samples) */
export function readSources (registry: Registry, current: () => MetricsSources | undefined): void {
  const registers = [registry]
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], read: (sources: MetricsSources, g: Gauge<L>) => void): void => {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect () {
        const sources = current()
        if (sources != null) read(sources, this)
      }
    })
  }
  gauge('peershare_transfers', 'Downloads the node knows, by state', ['state'], (s, g) => {
    const counts = new Map<string, number>(TRANSFER_STATES.map(state => [state, 0]))
    for (const t of s.transfers()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1)
    for (const [state, n] of counts) g.set({ state }, n)
  })
  gauge('peershare_provide_queue', 'Provider announcements waiting to run (queued) and running (active)', ['state'], (s, g) => {
    const { queued, active } = s.provideQueue()
    g.set({ state: 'queued' }, queued)
    g.set({ state: 'active' }, active)
  })
  gauge('peershare_catalog_entries', 'Offers in the catalog: this node\'s own, and other authors\' verified and cached', ['origin'], (s, g) => {
    const { own, cached } = s.catalog()
    g.set({ origin: 'own' }, own)
    g.set({ origin: 'cached' }, cached)
  })
  gauge('peershare_catalog_authors', 'Authors the catalog knows', [], (s, g) => { g.set(s.catalog().authors) })
  gauge('peershare_catalog_tombstones', 'Removals the catalog holds', [], (s, g) => { g.set(s.catalog().tombstones) })
  gauge('peershare_replicas_held', 'Replicas this node holds for other peers', [], (s, g) => { g.set(s.replicas().held) })
  gauge('peershare_quota_bytes', 'Storage offered to other peers\' replicas (total) and taken by them (used)', ['kind'], (s, g) => {
    const { usedBytes, quotaBytes } = s.replicas()
    g.set({ kind: 'total' }, quotaBytes)
    g.set({ kind: 'used' }, usedBytes)
  })
  gauge('peershare_replicated_files', 'Files kept alive (own with a policy, and replicas held), by state at their last check', ['state'], (s, g) => {
    const counts = new Map<string, number>(REPLICA_STATES.map(state => [state, 0]))
    for (const f of s.replicationStates()) counts.set(f.state, (counts.get(f.state) ?? 0) + 1)
    for (const [state, n] of counts) g.set({ state }, n)
  })
  gauge('peershare_files_under_replicated', 'Files kept alive with fewer live holders than their minimum at the last check', [], (s, g) => {
    let n = 0
    for (const f of s.replicationStates()) if (f.state === 'under-replicated') n++
    g.set(n)
  })
  uploadCounter(registry, current)
}

/** Bytes sent: a counter over the node's running total (the bandwidth limiter counts every chunk sent) */
function uploadCounter (registry: Registry, current: () => MetricsSources | undefined): void {
  let exported = 0
  new Counter({
    name: 'peershare_upload_bytes_total',
    help: 'Bytes of chunks sent to peers',
    registers: [registry],
    collect () {
      const total = current()?.uploadedBytes() ?? exported
      if (total > exported) this.inc(total - exported)
      exported = total
    }
  })
}
