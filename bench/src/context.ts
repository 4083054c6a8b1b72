/** What every scenario gets from main: the options, a temporary directory, worker scripts */
import { fileURLToPath } from 'node:url'
import type { Options } from './options.js'

export interface BenchContext {
  opts: Options
  /** temporary directory of this bench run, removed at the end */
  work: string
  /** extra environment for a worker by role (CPU profile path, --node-init for peershare nodes) */
  env: (role: string, nodeInit?: object) => Record<string, string>
}

const script = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url))

export const WORKERS = {
  raw: script('worker-raw'),
  peershare: script('worker-peershare'),
  swarm: script('worker-swarm'),
  dht: script('worker-dht'),
  discovery: script('worker-discovery'),
  helia: script('worker-helia'),
  webtorrent: script('worker-webtorrent'),
  linkRelay: script('link-relay')
}

/** --node-init merged with a scenario's own settings (objects one level deep) */
export function mergeNodeInit (user: Record<string, any> | undefined, extra: Record<string, any> = {}): Record<string, any> {
  const base: Record<string, any> = user ?? {}
  const merged = { ...base }
  for (const [key, value] of Object.entries(extra)) {
    merged[key] = typeof value === 'object' && value != null && !Array.isArray(value) ? { ...(base[key] ?? {}), ...value } : value
  }
  return merged
}

export function checkReceived (label: string, expected: { size: number, sha256: string }, done: { bytes: number, sha256: string }): void {
  if (done.bytes !== expected.size || done.sha256 !== expected.sha256) {
    throw new Error(`${label} received ${done.bytes} bytes with SHA-256 ${done.sha256}, expected ${expected.size} bytes with ${expected.sha256}`)
  }
}

/** a table with the first `left` columns left-aligned, the rest right-aligned */
export function formatTable (rows: string[][], left = 1): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  return rows.map(r => r.map((cell, i) => (i < left ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd()).join('\n')
}
