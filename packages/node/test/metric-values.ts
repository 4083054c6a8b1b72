/** Reading a node's metrics in tests, through prom-client's own API (the daemon spec parses the text format) */
import type { Registry } from 'prom-client'
import type { PeershareNode } from '../src/index.js'

/** The value of one series in a registry (labels given must match); a histogram's by its `_count` or `_sum` name */
export async function read (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const family = name.replace(/_(count|sum)$/, '')
  const metric = registry.getSingleMetric(family) ?? registry.getSingleMetric(name)
  if (metric == null) return undefined
  const { name: familyName, values } = await metric.get()
  // a histogram names its series; other metrics' values carry the family's name
  const named = (v: (typeof values)[number]): string => (v as { metricName?: string }).metricName ?? familyName
  return values.find(v => named(v) === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value
}

/** The value of one series of a node's metrics (0 when absent) */
export async function metricOf (node: PeershareNode, name: string, labels: Record<string, string> = {}): Promise<number> {
  if (node.metrics == null) throw new Error('metrics are off')
  return await read(node.metrics.registry, name, labels) ?? 0
}
