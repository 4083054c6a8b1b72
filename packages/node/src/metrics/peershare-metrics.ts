/** peershare's own metrics, in a node's registry beside libp2p's (the list with meanings: README "Metrics") */
import type { ComponentLogger, Metrics } from '@libp2p/interface'
import { Counter, Histogram, Registry } from 'prom-client'
import type { BanReason, MetricsSources, NodeMetrics } from './index.js'
import type { Libp2pMetrics } from './libp2p-metrics.js'
import { processRegistry } from './process-metrics.js'
import { countValidations } from './gossip-validation.js'
import { readSources } from './scrape-gauges.js'

/** Seconds from a chunk request to the verified chunk: 1 ms to about 30 s */
const CHUNK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Seconds a search takes: the local part is fast, the remote one waits up to its deadline */
const SEARCH_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]

export class PeershareMetrics implements NodeMetrics {
  private readonly downloadBytes: Counter
  private readonly chunkSeconds: Histogram
  private readonly rejected: Counter
  private readonly bans: Counter<'reason'>
  private readonly gossip: Counter<'topic' | 'result'>
  private readonly searchSeconds: Histogram<'scope'>
  private sources: MetricsSources | undefined
  readonly libp2p: (components: { logger: ComponentLogger }) => Metrics
  readonly release: () => void

  /** `withProcess`: scrapes include the process's metrics */
  constructor (readonly registry: Registry, libp2p: Libp2pMetrics, private readonly withProcess: boolean) {
    this.libp2p = libp2p.factory
    this.release = libp2p.release
    const registers = [registry]
    this.downloadBytes = new Counter({ name: 'peershare_download_bytes_total', help: 'Bytes of verified chunks received from peers', registers })
    this.chunkSeconds = new Histogram({ name: 'peershare_chunk_request_seconds', help: 'Time from requesting a chunk to receiving it verified', buckets: CHUNK_BUCKETS, registers })
    this.rejected = new Counter({ name: 'peershare_chunk_verify_failures_total', help: 'Chunks received that failed verification (or were not requested); their sources get a strike', registers })
    this.bans = new Counter({ name: 'peershare_peer_bans_total', help: 'Peers banned from a download or refused for a while, by reason', labelNames: ['reason'], registers })
    this.gossip = new Counter({ name: 'peershare_gossip_validation_total', help: 'Gossipsub messages validated, by topic and verdict', labelNames: ['topic', 'result'], registers })
    this.searchSeconds = new Histogram({ name: 'peershare_search_seconds', help: 'Time for the local results of a search, and for its remote answers', labelNames: ['scope'], buckets: SEARCH_BUCKETS, registers })
    readSources(registry, () => this.sources)
    // every series present from the first scrape: a dashboard's rate() needs a starting 0
    for (const reason of ['bad-chunks', 'bad-offer', 'abandoned-sessions', 'invalid-messages'] satisfies BanReason[]) this.bans.inc({ reason }, 0)
    for (const scope of ['local', 'remote']) this.searchSeconds.zero({ scope })
  }

  observe (sources: MetricsSources): void {
    this.sources = sources
  }

  countValidations (pubsub: { topicValidators: Map<string, (...args: any[]) => unknown> }): void {
    countValidations(pubsub.topicValidators, (topic, result, n = 1) => { this.gossip.inc({ topic, result }, n) })
  }

  chunkReceived (bytes: number, ms: number): void {
    this.downloadBytes.inc(bytes)
    this.chunkSeconds.observe(ms / 1000)
  }

  chunkRejected (banned: boolean): void {
    this.rejected.inc()
    if (banned) this.peerBanned('bad-chunks')
  }

  peerBanned (reason: BanReason): void {
    this.bans.inc({ reason })
  }

  searched (scope: 'local' | 'remote', ms: number): void {
    this.searchSeconds.observe({ scope }, ms / 1000)
  }

  async scrape (): Promise<{ contentType: string, body: string }> {
    const registry = this.withProcess ? Registry.merge([this.registry, processRegistry()]) : this.registry
    return { contentType: registry.contentType, body: await registry.metrics() }
  }
}
