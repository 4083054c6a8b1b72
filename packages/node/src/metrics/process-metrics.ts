/**
 * The Node.js process's metrics (CPU, memory, heap, GC, event loop lag, file
 * descriptors): one set per process however many nodes it runs, in a registry of
 * their own that each node's scrape includes. prom-client's collector installs a GC
 * observer and an event loop monitor that are never removed: one per node would pile
 * up in a process that creates many (the test suite runs hundreds in one).
 */
import { Registry, collectDefaultMetrics } from 'prom-client'

let shared: Registry | undefined

export function processRegistry (): Registry {
  if (shared == null) {
    shared = new Registry()
    collectDefaultMetrics({ register: shared })
  }
  return shared
}
