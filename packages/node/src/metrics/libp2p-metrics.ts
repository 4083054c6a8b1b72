/**
 * libp2p's metrics (`@libp2p/prometheus-metrics`) into one node's registry.
 *
 * That module keeps the metrics it registered in a map of its own, global to the
 * module, and hands an existing metric back to whoever registers the same name again:
 * two nodes in one process would share libp2p's metrics (the second node's registry
 * would lack them, those registered at listen time too, its events counted in the
 * first's). So each live node has an instance of the module to itself (an ES module is
 * instantiated once per URL: a query string gives a new one); the module's own imports
 * (prom-client, its metric classes) stay shared, and keep no state.
 *
 * An instance stays loaded for the life of the process and its map holds on to the
 * node's libp2p parts, so a stopped node hands its instance back for the next node:
 * that node clears the map (`preserveExistingMetrics` off, which also clears prom-client's
 * global registry, unused by peershare). A process thus holds as many instances as it
 * ever ran nodes at once.
 */
import type { ComponentLogger, Metrics } from '@libp2p/interface'
import type { PrometheusMetricsInit } from '@libp2p/prometheus-metrics'

type PrometheusModule = typeof import('@libp2p/prometheus-metrics')

export interface Libp2pMetrics {
  /** for createLibp2p's `metrics` option */
  factory: (components: { logger: ComponentLogger }) => Metrics
  /** the node stopped: its instance may serve another node (once; later calls do nothing) */
  release(): void
}

const idle: PrometheusModule[] = []
let loaded = 0

export async function libp2pMetrics (init: Omit<PrometheusMetricsInit, 'preserveExistingMetrics'>): Promise<Libp2pMetrics> {
  const reused = idle.pop()
  const module: PrometheusModule = reused ?? await import(`${import.meta.resolve('@libp2p/prometheus-metrics')}?instance=${++loaded}`)
  // a fresh instance has nothing to clear; a reused one still maps the previous node's metrics
  const factory = module.prometheusMetrics({ ...init, preserveExistingMetrics: reused == null })
  let released = false
  return {
    factory,
    release: () => {
      if (!released) idle.push(module)
      released = true
    }
  }
}
