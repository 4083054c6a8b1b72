/**
 * libp2p's metrics (`@libp2p/prometheus-metrics`) into one node's registry.
 *
 * That module keeps the metrics it registered in a map of its own, global to the
 * module, and hands an existing metric back to whoever registers the same name again:
 * two nodes in one process would share libp2p's metrics (the second node's registry
 * would lack them, its events counted in the first's), and with
 * `preserveExistingMetrics` off every new node clears that map (and prom-client's
 * global registry). So each node loads its own instance of the module (an ES module
 * is instantiated once per URL: a query string gives a new one); the module's own
 * imports (prom-client, its metric classes) stay shared, and they keep no state.
 * One instance per node created stays loaded for the life of the process (a few KB).
 */
import type { ComponentLogger, Metrics } from '@libp2p/interface'
import type { PrometheusMetricsInit } from '@libp2p/prometheus-metrics'

let instances = 0

export async function libp2pMetrics (init: PrometheusMetricsInit): Promise<(components: { logger: ComponentLogger }) => Metrics> {
  const url = `${import.meta.resolve('@libp2p/prometheus-metrics')}?node=${++instances}`
  const module: typeof import('@libp2p/prometheus-metrics') = await import(url)
  // nothing to preserve in a fresh instance, and clearing would reset prom-client's global registry
  return module.prometheusMetrics({ ...init, preserveExistingMetrics: true })
}
