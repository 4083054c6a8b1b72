/** Summaries and the printed table; plus the machine-readable `BENCH_JSON` line */
import type { MemoryAtPeak } from './protocol.js'

/**
 * The single-source impls, in the order each run alternates them: peershare, its variant
 * (peershare with other settings, only when --variant-init or --variant-flags is given),
 * the raw libp2p stream, WebTorrent, node:net
 */
export const IMPLS = ['peershare', 'variant', 'baseline', 'webtorrent', 'net'] as const
export type Impl = typeof IMPLS[number]

/** What each impl is, for the table */
export const IMPL_LABELS: Record<Impl, string> = {
  peershare: 'peershare',
  variant: 'variant',
  baseline: 'raw stream',
  webtorrent: 'WebTorrent',
  net: 'node:net'
}

export interface RunResult {
  impl: Impl
  size: number
  seconds: number
  /** receiver's peak resident set size, bytes */
  peakRss: number
  /** what the receiver's memory was made of at that peak */
  atPeak?: MemoryAtPeak
  /** CPU time (user + system) of the receiver and the sender during the transfer */
  rxCpuMs: number
  txCpuMs: number
  /** the same, of the main thread alone (the event loop that moves the bytes) */
  rxMainCpuMs: number
  txMainCpuMs: number
  /** seconds from the request to the first verified piece or chunk on disk, when the receiver tells it */
  firstChunkSeconds?: number
  /** the receiver's and the sender's CPU ms by thread kind (Linux; thread-cpu.ts) */
  rxThreadsMs?: Record<string, number>
  txThreadsMs?: Record<string, number>
}

export interface Figures {
  mibps: number
  seconds: number
  rssMB: number
  /** CPU seconds per GiB moved, receiver and sender: steadier than MiB/s on a busy machine */
  rxCpuPerGiB: number
  txCpuPerGiB: number
  /** of the main thread alone: what work moved to other threads no longer adds here */
  rxMainCpuPerGiB: number
  txMainCpuPerGiB: number
}

export interface Summary {
  impl: Impl
  size: number
  runs: Figures[]
  best: Figures
  median: Figures
  /** highest peak RSS over the runs: the figure the RSS check uses */
  maxRssMB: number
}

/** peershare's throughput over each reference's (issue 14): >= the raw stream that hashes once, >= 1.2x WebTorrent */
export const RATIO_TARGETS: Partial<Record<Impl, number>> = { baseline: 1.0, webtorrent: 1.2 }
/** issue 14: the receiver's peak RSS at every size within 10% of each other, and at most 250 MB */
export const RSS_GROWTH_TARGET = 1.1
export const RSS_LIMIT_MB = 250
const MiB = 1024 * 1024

export function summarise (impl: Impl, size: number, results: RunResult[]): Summary {
  const gib = size / (1024 * MiB)
  const runs = results.map(r => ({
    mibps: size / MiB / r.seconds,
    seconds: r.seconds,
    rssMB: r.peakRss / 1e6,
    rxCpuPerGiB: r.rxCpuMs / 1000 / gib,
    txCpuPerGiB: r.txCpuMs / 1000 / gib,
    rxMainCpuPerGiB: r.rxMainCpuMs / 1000 / gib,
    txMainCpuPerGiB: r.txMainCpuMs / 1000 / gib
  }))
  const best = runs.reduce((a, b) => (b.mibps > a.mibps ? b : a))
  const med = (key: keyof Figures): number => median(runs.map(r => r[key]))
  return {
    impl,
    size,
    runs,
    best,
    median: { mibps: med('mibps'), seconds: med('seconds'), rssMB: med('rssMB'), rxCpuPerGiB: med('rxCpuPerGiB'), txCpuPerGiB: med('txCpuPerGiB'), rxMainCpuPerGiB: med('rxMainCpuPerGiB'), txMainCpuPerGiB: med('txMainCpuPerGiB') },
    maxRssMB: Math.max(...runs.map(r => r.rssMB))
  }
}

/** The median of some figures (the mean of the middle two for an even count) */
export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function formatSize (bytes: number): string {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  return `${bytes} B`
}

function table (rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)))
  return rows.map(r => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n')
}

export interface Comparison {
  size: number
  /** the impl peershare is compared with */
  against: Impl
  best: number
  median: number
  /** the target for this ratio; none for the node:net ceiling */
  target?: number
}

/** peershare's throughput over each other impl's, for each size */
export function compare (summaries: Summary[]): Comparison[] {
  const sizes = [...new Set(summaries.map(s => s.size))]
  return sizes.flatMap(size => {
    const ps = summaries.find(s => s.size === size && s.impl === 'peershare')
    if (ps == null) return []
    return IMPLS.flatMap(against => {
      const other = summaries.find(s => s.size === size && s.impl === against)
      if (against === 'peershare' || other == null) return []
      return [{ size, against, best: ps.best.mibps / other.best.mibps, median: ps.median.mibps / other.median.mibps, target: RATIO_TARGETS[against] }]
    })
  })
}

export function printTable (scenario: string, runs: number, summaries: Summary[]): void {
  const rows = [['scenario', 'size', 'impl', `stat (${runs} runs)`, 'MiB/s', 'seconds', 'rx peak RSS MB', 'CPU s/GiB rx', 'tx', 'main thread rx', 'tx']]
  for (const s of summaries) {
    for (const [stat, f] of [['best', s.best], ['median', s.median]] as const) {
      rows.push([scenario, formatSize(s.size), IMPL_LABELS[s.impl], stat, f.mibps.toFixed(1), f.seconds.toFixed(3), f.rssMB.toFixed(1), f.rxCpuPerGiB.toFixed(2), f.txCpuPerGiB.toFixed(2), f.rxMainCpuPerGiB.toFixed(2), f.txMainCpuPerGiB.toFixed(2)])
    }
  }
  console.log(`\n${table(rows)}\n`)
  for (const c of compare(summaries)) {
    // judged on the best runs: on a shared machine noise only ever slows a run down
    const verdict = c.target == null ? '' : ` (${c.best >= c.target ? 'meets' : 'BELOW'} target >= ${c.target.toFixed(2)}x)`
    console.log(`${formatSize(c.size)}: peershare / ${IMPL_LABELS[c.against]} = ${c.best.toFixed(2)}x best${verdict}, ${c.median.toFixed(2)}x median`)
  }
}

export interface RssCheck {
  impl: Impl
  /** each size run, with the highest peak RSS over its runs (MB) */
  sizes: { size: number, mb: number }[]
  /** the highest of those over the lowest */
  growth: number
  pass: boolean
}

/** Receiver peak RSS across the sizes run: memory must not grow with file size */
export function rssCheck (summaries: Summary[]): RssCheck[] {
  const sizes = [...new Set(summaries.map(s => s.size))].sort((a, b) => a - b)
  if (sizes.length < 2) return []
  return IMPLS.flatMap(impl => {
    const bySize = sizes.flatMap(size => summaries.filter(s => s.impl === impl && s.size === size).map(s => ({ size, mb: s.maxRssMB })))
    if (bySize.length < 2) return []
    const mbs = bySize.map(s => s.mb)
    const growth = Math.max(...mbs) / Math.min(...mbs)
    return [{ impl, sizes: bySize, growth, pass: growth <= RSS_GROWTH_TARGET && Math.max(...mbs) <= RSS_LIMIT_MB }]
  })
}

export function printRssCheck (checks: RssCheck[]): void {
  if (checks.length === 0) return
  console.log(`\nreceiver peak RSS, highest over runs (target: every size within ${pct(RSS_GROWTH_TARGET - 1)} of each other, at most ${RSS_LIMIT_MB} MB)`)
  for (const c of checks) {
    const verdict = c.pass ? 'PASS' : 'FAIL'
    const sizes = c.sizes.map(s => `${formatSize(s.size)}: ${s.mb.toFixed(1)} MB`).join('  ')
    const judged = c.impl === 'peershare' || c.impl === 'variant'
    console.log(`  ${IMPL_LABELS[c.impl].padEnd(10)}  ${sizes}  max/min ${c.growth.toFixed(3)}  ${judged ? verdict : '(reference)'}`)
  }
}

function pct (x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

export function printJson (scenario: string, runs: number, summaries: Summary[], checks: RssCheck[]): void {
  const round = (x: number): number => Math.round(x * 1000) / 1000
  const fig = (f: Figures) => ({
    mibps: round(f.mibps),
    seconds: round(f.seconds),
    rssMB: round(f.rssMB),
    rxCpuPerGiB: round(f.rxCpuPerGiB),
    txCpuPerGiB: round(f.txCpuPerGiB),
    rxMainCpuPerGiB: round(f.rxMainCpuPerGiB),
    txMainCpuPerGiB: round(f.txMainCpuPerGiB)
  })
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario,
    runs,
    results: summaries.map(s => ({ size: s.size, impl: s.impl, best: fig(s.best), median: fig(s.median), runs: s.runs.map(fig) })),
    ratios: compare(summaries).map(c => ({ size: c.size, against: c.against, best: round(c.best), median: round(c.median), target: c.target, pass: c.target == null ? undefined : c.best >= c.target })),
    rssCheck: checks.map(c => ({ ...c, sizes: c.sizes.map(s => ({ size: s.size, mb: round(s.mb) })), growth: round(c.growth) }))
  })}`)
}
