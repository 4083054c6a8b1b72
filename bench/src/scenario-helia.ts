/**
 * Scenario "helia": the same file fetched in the same run by Helia (bitswap, UnixFS
 * with 1 MiB raw leaves) and by peershare, each from one and from two providers on
 * the same TCP + TLS + yamux stack, every node in its own process. A Helia fetch
 * that exceeds --helia-timeout is reported as timed out, not as a bench failure.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import { MiB } from './options.js'
import { Worker } from './processes.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'
import { cpuOf, downloadFrom } from './scenario-multi.js'

const SCENARIO = 'helia-comparison'

interface Done { seconds: number, peakRss: number, cores: number }
type Outcome = Done | { failed: string }

interface Source { path: string, sha256: string, size: number }

async function heliaFetch (ctx: BenchContext, providers: number, source: Source): Promise<Outcome> {
  const dir = await mkdtemp(join(ctx.work, 'helia-'))
  const timeoutMs = ctx.opts.heliaTimeoutMs
  const ready = Date.now() + 120_000
  const provs = Array.from({ length: providers }, (_, i) => new Worker(`helia provider ${i + 1}`, WORKERS.helia, ['provider', source.path], ctx.env('helia-provider')))
  const fetcher = new Worker('helia fetcher', WORKERS.helia, ['fetcher', dir], ctx.env('helia-fetcher'))
  try {
    const shared = await Promise.all(provs.map(async p => p.next('ready', ready)))
    await fetcher.next('ready', ready)
    const cids = new Set(shared.map(s => s.fileId))
    if (cids.size !== 1) throw new Error(`providers imported different CIDs: ${[...cids].join(', ')}`)
    const idleCpuMs = await cpuOf(provs, ready)
    fetcher.send({ type: 'fetch', cid: shared[0].fileId as string, providers: shared.map(s => s.addr as string), output: join(dir, 'out.bin'), timeoutMs })
    try {
      // the fetcher aborts itself at timeoutMs; the extra seconds are for it to say so
      const done = await fetcher.next('done', Date.now() + timeoutMs + 15_000)
      checkReceived(`helia (${providers} providers)`, source, done)
      const seconds = done.seconds as number
      const cpuMs = await fetcher.cpuMs(Date.now() + 10_000) + await cpuOf(provs, Date.now() + 10_000) - idleCpuMs
      return { seconds, peakRss: done.peakRss, cores: cpuMs / 1000 / seconds }
    } catch (err: any) {
      fetcher.kill()
      if (/timed out/.test(err.message)) return { failed: `timed out (${err.message.replace(/^.*timed out /, '')})` }
      if (/time limit/.test(err.message)) return { failed: `timed out (after ${timeoutMs / 1000} s, the fetcher did not stop)` }
      return { failed: `failed: ${err.message}` }
    }
  } finally {
    await Promise.all([fetcher.stop(), ...provs.map(async p => p.stop())])
    await rm(dir, { recursive: true, force: true })
  }
}

async function peershareFetch (ctx: BenchContext, sources: number, source: Source): Promise<Outcome> {
  try {
    return await downloadFrom(ctx, `peershare x${sources}`, Array(sources).fill(0), source)
  } catch (err: any) {
    return { failed: `failed: ${err.message}` }
  }
}

export async function runHelia (ctx: BenchContext): Promise<void> {
  const size = ctx.opts.heliaSize
  console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
  const file = await createRandomFile(join(ctx.work, 'helia.bin'), size)
  const source = { ...file, size }
  const cases = [
    { impl: 'peershare', n: 1 }, { impl: 'helia', n: 1 }, { impl: 'peershare', n: 2 }, { impl: 'helia', n: 2 }
  ] as const
  const outcomes = new Map<string, Outcome[]>()
  try {
    for (let run = 1; run <= ctx.opts.runs; run++) {
      for (const c of cases) {
        const key = `${c.impl} ${c.n}`
        // a case that timed out once is not run again: one hang is enough to report
        if (outcomes.get(key)?.some(o => 'failed' in o && o.failed.startsWith('timed out')) === true) continue
        const outcome = c.impl === 'helia' ? await heliaFetch(ctx, c.n, source) : await peershareFetch(ctx, c.n, source)
        outcomes.set(key, [...(outcomes.get(key) ?? []), outcome])
        console.log(`  run ${run}/${ctx.opts.runs} ${c.impl.padEnd(9)} from ${c.n}  ${describe(outcome, size)}`)
      }
    }
  } finally {
    await rm(file.path, { force: true })
  }
  printHelia(size, ctx.opts.runs, outcomes)
}

function describe (o: Outcome, size: number): string {
  if ('failed' in o) return o.failed
  return `${(size / MiB / o.seconds).toFixed(1).padStart(6)} MiB/s  ${o.seconds.toFixed(2)} s  rx peak RSS ${(o.peakRss / 1e6).toFixed(1)} MB  CPU ${o.cores.toFixed(2)} cores`
}

/** the fastest successful run, else the first failure */
function best (outcomes: Outcome[] = []): Outcome | undefined {
  const ok = outcomes.filter((o): o is Done => !('failed' in o))
  return ok.length > 0 ? ok.reduce((a, b) => (b.seconds < a.seconds ? b : a)) : outcomes[0]
}

function printHelia (size: number, runs: number, outcomes: Map<string, Outcome[]>): void {
  const rows = [['impl', 'providers', `MiB/s (best of ${runs})`, 'seconds', 'rx peak RSS MB', 'CPU cores busy', 'runs ok']]
  const mibps = (o?: Outcome): number | undefined => (o == null || 'failed' in o ? undefined : size / MiB / o.seconds)
  for (const [key, list] of outcomes) {
    const [impl, n] = key.split(' ')
    const b = best(list)
    const ok = list.filter(o => !('failed' in o)).length
    rows.push(b == null || 'failed' in b
      ? [impl, n, b == null ? '-' : b.failed.startsWith('timed out') ? 'timed out' : 'failed', '-', '-', '-', `${ok}/${list.length}`]
      : [impl, n, (mibps(b) as number).toFixed(1), b.seconds.toFixed(2), (b.peakRss / 1e6).toFixed(1), b.cores.toFixed(2), `${ok}/${list.length}`])
  }
  console.log(`\n${SCENARIO} ${formatSize(size)} (same file, same run; Helia: bitswap, UnixFS 1 MiB raw leaves, blockstore-fs)\n`)
  console.log(formatTable(rows, 2))
  const ratios = [1, 2].map(n => {
    const ps = mibps(best(outcomes.get(`peershare ${n}`)))
    const he = mibps(best(outcomes.get(`helia ${n}`)))
    return { providers: n, peershareMiBps: ps, heliaMiBps: he, ratio: ps != null && he != null ? ps / he : undefined }
  })
  for (const r of ratios) {
    console.log(`${r.providers} provider(s): peershare/Helia = ${r.ratio == null ? `n/a (${r.heliaMiBps == null ? 'Helia' : 'peershare'} did not finish)` : `${r.ratio.toFixed(2)}x`}`)
  }
  const round = (x?: number): number | null => (x == null ? null : Math.round(x * 1000) / 1000)
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    runs,
    size,
    results: [...outcomes].map(([key, list]) => ({ impl: key.split(' ')[0], providers: Number(key.split(' ')[1]), runs: list.map(o => ('failed' in o ? { failed: o.failed } : { seconds: round(o.seconds), mibps: round(size / MiB / o.seconds), rssMB: round(o.peakRss / 1e6), cpuCores: round(o.cores) })) })),
    ratios: ratios.map(r => ({ providers: r.providers, peershareMiBps: round(r.peershareMiBps), heliaMiBps: round(r.heliaMiBps), ratio: round(r.ratio) }))
  })}`)
}
