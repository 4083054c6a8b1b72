/**
 * Prometheus metrics of one node: libp2p's own (`@libp2p/prometheus-metrics`) and
 * peershare's, in one private prom-client Registry per node, so two nodes in one
 * process never share or reset each other's metrics. The control API serves them
 * at `GET /metrics` (control/metrics-route.ts).
 *
 * Most figures are read from the node's state when scraped (transfers, bytes sent,
 * provide queue, catalog, replicas, quota); counters and histograms count what
 * happens only once (chunks received and their latency, chunks rejected, bans,
 * gossip validation, search latency), through the small hooks in `MetricsEvents`.
 * No label takes a peer id or a file id: every label has a fixed, small set of values.
 */
import type { ComponentLogger, Metrics } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { libp2pMetrics } from './libp2p-metrics.js'
import { PeershareMetrics } from './peershare-metrics.js'
import { processRegistry } from './process-metrics.js'

export { nodeSources, type ObservedNode } from './node-sources.js'
export { timedSearch } from './search-timing.js'

export interface MetricsSettings {
  /**
   * Collect metrics and serve `GET /metrics`. On by default: the route is behind the
   * control API's token like everything else, collecting costs little (most figures are
   * read only when scraped), and a node already running is then observable without a restart
   * @default true
   */
  enabled: boolean
  /** Also export Node.js process metrics (CPU, memory, heap, event loop lag, file descriptors) @default true */
  collectDefault: boolean
}

export const METRICS_DEFAULTS: Readonly<MetricsSettings> = Object.freeze({ enabled: true, collectDefault: true })

/** Why a peer was banned or refused for a while (the values of the `reason` label) */
export type BanReason = 'bad-chunks' | 'bad-offer' | 'abandoned-sessions' | 'invalid-messages'

/** Gossipsub validation verdicts (the values of the `result` label) */
export type ValidationResult = 'accept' | 'reject' | 'ignore'

/** What the node tells its metrics as it happens */
export interface MetricsEvents {
  /** a verified chunk of `bytes` arrived `ms` after it was requested */
  chunkReceived(bytes: number, ms: number): void
  /** a chunk failed verification (or came unrequested); `banned`: its source is now banned for the file */
  chunkRejected(banned: boolean): void
  /** a peer was banned or refused for a while */
  peerBanned(reason: BanReason): void
  /** a search finished its local part (`local`) or its remote part (`remote`) after `ms` */
  searched(scope: 'local' | 'remote', ms: number): void
}

/** The node's state the metrics read when scraped (the node fits it; typed by parts, so metrics/ does not import the node) */
export interface MetricsSources {
  transfers(): Array<{ state: string }>
  /** bytes sent to peers (chunks served), ever */
  uploadedBytes(): number
  /** provider announcements waiting, and running */
  provideQueue(): { queued: number, active: number }
  catalog(): { own: number, cached: number, authors: number, tombstones: number }
  /** replicas held for others, and the quota they count against */
  replicas(): { held: number, usedBytes: number, quotaBytes: number }
  /** the last replication check of every file kept alive */
  replicationStates(): Iterable<{ state: string }>
}

export interface NodeMetrics extends MetricsEvents {
  /** this node's registry: libp2p's metrics and peershare's */
  readonly registry: Registry
  /** for createLibp2p's `metrics` option */
  readonly libp2p: (components: { logger: ComponentLogger }) => Metrics
  /** the node stopped (its libp2p too): lets go of what libp2p's metrics hold of it */
  release(): void
  /** reads `sources` at each scrape from now on */
  observe(sources: MetricsSources): void
  /** counts the verdicts of the gossipsub validators registered on `pubsub` from now on */
  countValidations(pubsub: { topicValidators: Map<string, (...args: any[]) => unknown> }): void
  /** the exposition in Prometheus text format (the process's metrics included with `collectDefault`), and its content type */
  scrape(): Promise<{ contentType: string, body: string }>
}

/**
 * The metrics of a node whose repo is at `repo` (libp2p's filesystem gauge reports
 * its disk), or undefined when they are off
 */
export async function createNodeMetrics (settings: MetricsSettings, repo: string): Promise<NodeMetrics | undefined> {
  if (!settings.enabled) return undefined
  const registry = new Registry()
  // the process's own metrics are registered once per process (process-metrics.ts), not per node;
  // from now, so the event loop lag has samples by the first scrape
  if (settings.collectDefault) processRegistry()
  const libp2p = await libp2pMetrics({ registry, collectDefaultMetrics: false, statfsLocation: repo })
  return new PeershareMetrics(registry, libp2p, settings.collectDefault)
}
