/**
 * Scenario "multi-source" (the transfer engine). S sharer processes each serve the
 * same file under an upload limit; one getter process downloads it from all of them
 * at once. The ideal time is size / (sum of the sources' rates); efficiency is ideal
 * time / measured time. Sets: 1, 2, 4, 8 sources at R (8 skipped with --quick), and a
 * heterogeneous set of one source at 4R and three at R/2. Each side's CPU seconds per
 * GiB (the getter's, all sources' together) is what decides throughput when sender and
 * receiver do not share 2 cores (issue 14).
 *
 * Each run is timed twice, alternately: from cold (the getter dials its sources inside
 * the timed download, as `peershare get --peer` does) and connected (the getter already
 * connected to them, the connections' start-up work over). The gap between the two is
 * what opening the connections costs: on one 2-core machine running all five processes
 * it is 0.3 to 0.6 s of a 3 s download, CPU the processes' connection start-up takes
 * from each other; the connected figure is the engine's scheduling alone.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { defaultBurst } from '@peershare/node'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import { defaultTimeoutMs, GiB, MiB } from './options.js'
import { Worker } from './processes.js'
import type { SourceBytes } from './protocol.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'

const SCENARIO = 'multi-source'
/** efficiency the transfer engine aims for (issue 14: >= 95% for 2 to 4 sources, the median of 3 runs) */
export const EFFICIENCY_TARGET = 0.95

interface SourceSet {
  label: string
  /** upload limit of each source, bytes/s */
  rates: number[]
  /** how each source's rate is written, e.g. "R/2" */
  names: string[]
}

interface SetResult {
  set: SourceSet
  /** the best run's time (its `served` and `cores` are the best run's too) */
  seconds: number
  /** the median run's time (of --runs; issue 14 reports the min and the median of 3) */
  median: number
  /** the same download with the getter connected to its sources beforehand: best and median time */
  connected: { seconds: number, median: number }
  ideal: number
  /** bytes each source served, in the order of set.rates */
  served: number[]
  cores: number
  /** CPU seconds per GiB of the file: the getter's, and all sources' together (the best run's) */
  getterCpuPerGiB: number
  sourcesCpuPerGiB: number
}

/** A download from one set of sources, each in its own process */
export async function downloadFrom (ctx: BenchContext, label: string, rates: number[], source: { path: string, sha256: string, size: number }, options: { connectFirst?: boolean } = {}): Promise<Download> {
  const dir = await mkdtemp(join(ctx.work, 'multi-'))
  const deadline = Date.now() + defaultTimeoutMs(ctx.opts, source.size) + 30_000
  const sharers = rates.map((rate, i) => new Worker(`${label} sharer ${i + 1}`, WORKERS.peershare, ['sharer', join(dir, `sharer-${i}`), source.path],
    ctx.env('peershare-sharer', { limits: { upload: rate } })))
  const getter = new Worker(`${label} getter`, WORKERS.peershare, ['getter', join(dir, 'getter')], ctx.env('peershare-getter', {}))
  try {
    const ready = await Promise.all(sharers.map(async s => s.next('ready', deadline)))
    await getter.next('ready', deadline)
    const addrs = ready.map(r => r.addr as string)
    await joinEachOther(sharers, addrs, deadline)
    const idleCpuMs = await cpuOf(sharers, deadline)
    // `from` as well as `peers`: without it the first source is looked up in the DHT
    getter.send({ type: 'get', addr: addrs[0], fileId: ready[0].fileId as string, output: join(dir, 'out.bin'), peers: addrs, connectFirst: options.connectFirst })
    const done = await getter.next('done', deadline)
    checkReceived(label, source, done)
    const seconds = done.seconds as number
    const getterCpuMs = await getter.cpuMs(deadline)
    const sourcesCpuMs = await cpuOf(sharers, deadline) - idleCpuMs
    return {
      seconds,
      firstChunkSeconds: done.firstChunkSeconds ?? null,
      served: servedBy(addrs, done.sourceStats ?? []),
      peakRss: done.peakRss,
      cores: (getterCpuMs + sourcesCpuMs) / 1000 / seconds,
      getterCpuMs,
      sourcesCpuMs
    }
  } finally {
    await Promise.all([getter.stop(), ...sharers.map(async s => s.stop())])
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Sources already in a swarm have announced their file: each sharer connects to the ones
 * before it and announces, so the timed download does not also time the sharers' first
 * DHT announcements, which start when a sharer meets its first peer. A lone sharer has no
 * one to announce to: it does so when the getter connects, inside the timed run.
 */
export async function joinEachOther (sharers: Worker[], addrs: string[], deadline: number): Promise<void> {
  if (sharers.length < 2) return
  sharers.forEach((sharer, i) => { sharer.send({ type: 'join', peers: addrs.slice(0, i) }) })
  const joined = await Promise.all(sharers.map(async s => s.next('joined', deadline)))
  const failed = joined.filter(j => j.provideMs == null).length
  if (failed > 0) console.log(`  (${failed} of ${sharers.length} sharers' announcements were not stored within the join limit)`)
}

export interface Download {
  seconds: number
  /** from the get to its first chunk verified and written (the start-up), null if unknown */
  firstChunkSeconds: number | null
  /** bytes each source served, in the order of the sources */
  served: number[]
  peakRss: number
  /** CPU time of the getter and all sources over the download's wall time: cores kept busy */
  cores: number
  /** CPU time of the getter's transfer phase (ms) */
  getterCpuMs: number
  /** CPU time of all sources together over the download (ms) */
  sourcesCpuMs: number
}

/** CPU ms of the workers' transfer phases, summed */
export async function cpuOf (workers: Worker[], deadline: number): Promise<number> {
  return (await Promise.all(workers.map(async w => w.cpuMs(deadline)))).reduce((a, b) => a + b, 0)
}

/** bytes per source address, by the peer id in it */
function servedBy (addrs: string[], stats: SourceBytes[]): number[] {
  return addrs.map(addr => stats.filter(s => addr.endsWith(`/p2p/${s.peerId}`)).reduce((sum, s) => sum + s.bytes, 0))
}

export async function runMulti (ctx: BenchContext): Promise<void> {
  const { opts } = ctx
  const R = opts.sourceRate
  const size = opts.multiSize
  const sets: SourceSet[] = [1, 2, 4, 8].filter(n => opts.multiSets.includes(String(n)) && !(opts.quick && n === 8))
    .map(n => ({ label: `${n} x R`, rates: Array(n).fill(R), names: Array(n).fill('R') }))
  if (opts.multiSets.includes('mixed')) sets.push({ label: '4R + 3 x R/2', rates: [4 * R, R / 2, R / 2, R / 2], names: ['4R', 'R/2', 'R/2', 'R/2'] })
  console.log(`${SCENARIO} ${formatSize(size)}, R = ${rate(R)} per source: writing a random file...`)
  const file = await createRandomFile(join(ctx.work, 'multi.bin'), size)
  const source = { ...file, size }
  const results: SetResult[] = []
  try {
    for (const set of sets) {
      const ideal = size / set.rates.reduce((a, b) => a + b, 0)
      let best: Omit<SetResult, 'median' | 'connected'> | undefined
      const times: number[] = []
      const connectedTimes: number[] = []
      for (let run = 1; run <= opts.runs; run++) {
        for (const connectFirst of [false, true]) {
          const { seconds, firstChunkSeconds, served, cores, getterCpuMs, sourcesCpuMs } = await downloadFrom(ctx, set.label, set.rates, source, { connectFirst })
          const getterCpuPerGiB = getterCpuMs / 1000 / (size / GiB)
          const sourcesCpuPerGiB = sourcesCpuMs / 1000 / (size / GiB)
          console.log(`  run ${run}/${opts.runs} ${set.label.padEnd(13)} ${(connectFirst ? 'connected' : 'cold').padEnd(9)} ${seconds.toFixed(2).padStart(7)} s  ${(size / MiB / seconds).toFixed(1).padStart(6)} MiB/s  ideal ${ideal.toFixed(2)} s  efficiency ${pct(ideal / seconds)}  first chunk ${firstChunkSeconds?.toFixed(2) ?? '?'} s  CPU ${cores.toFixed(2)} cores, s/GiB getter ${getterCpuPerGiB.toFixed(1)} sources ${sourcesCpuPerGiB.toFixed(1)}`)
          if (connectFirst) {
            connectedTimes.push(seconds)
            continue
          }
          times.push(seconds)
          if (best == null || seconds < best.seconds) best = { set, seconds, ideal, served, cores, getterCpuPerGiB, sourcesCpuPerGiB }
        }
      }
      if (best != null) results.push({ ...best, median: medianOf(times), connected: { seconds: Math.min(...connectedTimes), median: medianOf(connectedTimes) } })
    }
  } finally {
    await rm(file.path, { force: true })
  }
  printMulti(size, R, opts.runs, results)
}

function printMulti (size: number, R: number, runs: number, results: SetResult[]): void {
  const rows = [['sources', 'N', 'total limit', 'ideal s', `seconds (best of ${runs})`, 'median s', 'MiB/s', 'efficiency best', 'median', 'verdict (median)', 'connected: best', 'median', 'verdict', `CPU cores busy (of ${availableParallelism()})`, 'CPU s/GiB getter', 'sources']]
  for (const r of results) {
    const eff = r.ideal / r.seconds
    const median = r.ideal / r.median
    const connectedMedian = r.ideal / r.connected.median
    rows.push([r.set.label, String(r.set.rates.length), rate(r.set.rates.reduce((a, b) => a + b, 0)), r.ideal.toFixed(2), r.seconds.toFixed(2), r.median.toFixed(2),
      (size / MiB / r.seconds).toFixed(1), pct(eff), pct(median), verdict(median), pct(r.ideal / r.connected.seconds), pct(connectedMedian), verdict(connectedMedian), r.cores.toFixed(2),
      r.getterCpuPerGiB.toFixed(1), r.sourcesCpuPerGiB.toFixed(1)])
  }
  console.log(`\n${SCENARIO} ${formatSize(size)}, R = ${rate(R)} (efficiency = ideal time / measured time; target >= ${pct(EFFICIENCY_TARGET)};`)
  console.log('cold: the getter dials its sources within the timed download; connected: it was connected to them beforehand)\n')
  console.log(formatTable(rows, 1))
  // a source's upload limit starts with a full bucket (rate/4 by default): those bytes go
  // out at once, so the least time a download can take is shorter than size / total rate
  console.log('\nagainst the least time with the sources\' initial bursts (their limit\'s bucket, full at the start, goes out at once):')
  for (const r of results) {
    const least = leastSeconds(size, r.set.rates)
    console.log(`  ${r.set.label.padEnd(13)} ${least.toFixed(2)} s: cold ${pct(least / r.seconds)} best, ${pct(least / r.median)} median; connected ${pct(least / r.connected.seconds)} best, ${pct(least / r.connected.median)} median`)
  }
  console.log('\nbytes served per source (share of the file; expected share = its rate / total)')
  for (const r of results) {
    const total = r.set.rates.reduce((a, b) => a + b, 0)
    const parts = r.served.map((b, i) => `${r.set.names[i]} ${(b / MiB).toFixed(1)} MiB (${pct(b / size)} vs ${pct(r.set.rates[i] / total)})`)
    console.log(`  ${r.set.label.padEnd(13)} ${parts.join(', ')}`)
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    runs,
    size,
    sourceRate: R,
    target: EFFICIENCY_TARGET,
    results: results.map(r => ({
      sources: r.set.label,
      rates: r.set.rates,
      seconds: round(r.seconds),
      mibps: round(size / MiB / r.seconds),
      idealSeconds: round(r.ideal),
      efficiency: round(r.ideal / r.seconds),
      medianSeconds: round(r.median),
      medianEfficiency: round(r.ideal / r.median),
      pass: r.ideal / r.median >= EFFICIENCY_TARGET,
      connectedSeconds: round(r.connected.seconds),
      connectedMedianSeconds: round(r.connected.median),
      connectedMedianEfficiency: round(r.ideal / r.connected.median),
      connectedPass: r.ideal / r.connected.median >= EFFICIENCY_TARGET,
      leastSecondsWithBursts: round(leastSeconds(size, r.set.rates)),
      servedBytes: r.served,
      cpuCores: round(r.cores),
      getterCpuSecondsPerGiB: round(r.getterCpuPerGiB),
      sourcesCpuSecondsPerGiB: round(r.sourcesCpuPerGiB)
    }))
  })}`)
}

/** Size / total rate, less what the sources' full buckets send at once */
function leastSeconds (size: number, rates: number[]): number {
  const bursts = rates.reduce((sum, r) => sum + defaultBurst(r), 0)
  return Math.max(0, size - bursts) / rates.reduce((a, b) => a + b, 0)
}

function verdict (efficiency: number): string {
  return efficiency >= EFFICIENCY_TARGET ? 'meets' : 'BELOW'
}

function rate (bytesPerSecond: number): string {
  return `${(bytesPerSecond / MiB).toFixed(bytesPerSecond % MiB === 0 ? 0 : 1)} MiB/s`
}

/** the middle value (the mean of the two middle ones for an even count) */
export function medianOf (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)]
}

function pct (x: number): string {
  return `${(x * 100).toFixed(1)}%`
}
