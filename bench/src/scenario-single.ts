/**
 * Scenario "single-source". One file moves between two processes on 127.0.0.1, by
 * peershare (share + get), by the baseline (one raw libp2p stream on the same
 * TCP + TLS + yamux stack, hashed once), by WebTorrent (one seeder, one leecher
 * over TCP) and by a bare node:net socket with SHA-256 and disk (the ceiling). Every
 * receiver writes to disk and fsyncs before it reports. Impls alternate within each
 * run and the table shows them side by side. With --variant-init or --variant-flags,
 * 'variant' (peershare with those settings) runs next to peershare in each run, the two
 * taking turns at going first.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, checkReceived, WORKERS } from './context.js'
import { defaultTimeoutMs, type Options } from './options.js'
import { Worker } from './processes.js'
import type { BenchMessage, MemoryAtPeak } from './protocol.js'
import { createRandomFile } from './random-file.js'
import { formatThreadCpu } from './thread-cpu.js'
import { formatSize, type Impl, printJson, printRssCheck, printTable, type RunResult, rssCheck, summarise, type Summary } from './report.js'

const SCENARIO = 'single-source'
const MiB = 1024 * 1024

interface RunContext {
  size: number
  source: { path: string, sha256: string }
  dir: string
  deadline: number
  env: BenchContext['env']
}

type Usage = Awaited<ReturnType<Worker['usage']>>

function cpu (rx: Usage, tx: Usage): Pick<RunResult, 'rxCpuMs' | 'txCpuMs' | 'rxMainCpuMs' | 'txMainCpuMs' | 'rxThreadsMs' | 'txThreadsMs'> {
  return { rxCpuMs: rx.cpuMs, txCpuMs: tx.cpuMs, rxMainCpuMs: rx.mainCpuMs, txMainCpuMs: tx.mainCpuMs, rxThreadsMs: rx.threadsMs, txThreadsMs: tx.threadsMs }
}

/** The raw libp2p stream ('baseline') or the node:net socket ('net'): a sender pushes, a receiver hashes and writes */
async function runStream (impl: 'baseline' | 'net', ctx: RunContext): Promise<RunResult> {
  const prefix = impl === 'net' ? 'net-' : ''
  const receiver = new Worker(`${impl} receiver`, WORKERS.raw, [`${prefix}receiver`, join(ctx.dir, 'out.bin')], ctx.env(`${impl}-receiver`))
  const sender = new Worker(`${impl} sender`, WORKERS.raw, [`${prefix}sender`, ctx.source.path], ctx.env(`${impl}-sender`))
  try {
    const [ready] = await Promise.all([receiver.next('ready', ctx.deadline), sender.next('ready', ctx.deadline)])
    sender.send({ type: 'send', addr: ready.addr as string })
    const [sent, done] = await Promise.all([sender.next('sent', ctx.deadline), receiver.next('done', ctx.deadline)])
    checkReceived(impl, { size: ctx.size, sha256: ctx.source.sha256 }, done)
    const [rx, tx] = await Promise.all([receiver.usage(ctx.deadline), sender.usage(ctx.deadline)])
    return { impl, size: ctx.size, seconds: ((done.finishedAt as number) - sent.startedAt) / 1000, peakRss: done.peakRss, atPeak: done.atPeak, ...cpu(rx, tx) }
  } finally {
    await Promise.all([receiver.stop(), sender.stop()])
  }
}

/** peershare, or with `variant` its variant: the same, with the variant's node settings and Node flags */
async function runPeershare (ctx: RunContext, variant?: Options['variant']): Promise<RunResult> {
  const env = (role: string): Record<string, string> => variant == null
    ? ctx.env(`peershare-${role}`)
    : { ...ctx.env(`peershare-variant-${role}`, variant.init), BENCH_NODE_FLAGS: variant.flags.join(' ') }
  const impl = variant == null ? 'peershare' : 'variant'
  const sharer = new Worker(`${impl} sharer`, WORKERS.peershare, ['sharer', join(ctx.dir, 'sharer'), ctx.source.path], env('sharer'))
  const getter = new Worker(`${impl} getter`, WORKERS.peershare, ['getter', join(ctx.dir, 'getter')], env('getter'))
  return runPair(impl, ctx, sharer, getter, shared => ({ type: 'get', addr: shared.addr as string, fileId: shared.fileId as string, output: join(ctx.dir, 'out.bin') }))
}

async function runWebTorrent (ctx: RunContext): Promise<RunResult> {
  const seeder = new Worker('webtorrent seeder', WORKERS.webtorrent, ['seeder', ctx.source.path], ctx.env('webtorrent-seeder'))
  const leecher = new Worker('webtorrent leecher', WORKERS.webtorrent, ['leecher', join(ctx.dir, 'leecher')], ctx.env('webtorrent-leecher'))
  return runPair('webtorrent', ctx, seeder, leecher, seeding => ({ type: 'leech', torrent: seeding.torrent as string, addrs: [seeding.addr as string] }))
}

/**
 * A sender and a receiver that time the transfer themselves: once both are ready the
 * receiver is given `request` (built from what the sender said when ready) and reports
 * `done` with its time and peak RSS; both workers are stopped at the end
 */
async function runPair (impl: Impl, ctx: RunContext, sender: Worker, receiver: Worker, request: (ready: Extract<BenchMessage, { type: 'ready' }>) => BenchMessage): Promise<RunResult> {
  try {
    const [ready] = await Promise.all([sender.next('ready', ctx.deadline), receiver.next('ready', ctx.deadline)])
    receiver.send(request(ready))
    const done = await receiver.next('done', ctx.deadline)
    checkReceived(impl, { size: ctx.size, sha256: ctx.source.sha256 }, done)
    const [rx, tx] = await Promise.all([receiver.usage(ctx.deadline), sender.usage(ctx.deadline)])
    const firstChunkSeconds = typeof done.firstChunkSeconds === 'number' ? done.firstChunkSeconds : undefined
    return { impl, size: ctx.size, seconds: done.seconds as number, firstChunkSeconds, peakRss: done.peakRss, atPeak: done.atPeak, ...cpu(rx, tx) }
  } finally {
    await Promise.all([receiver.stop(), sender.stop()])
  }
}

/** The receiver's memory at its RSS peak: V8 heap used of total, external memory (of it, array buffers) */
function formatAtPeak (m: MemoryAtPeak | undefined): string {
  if (m == null) return ''
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(0)
  return ` (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, buffers ${mb(m.arrayBuffers)})`
}

/**
 * A run, and once more if it fails: on a loaded machine the raw stream's sender has failed
 * now and then ("Cannot write to a stream that is closed"), which should not end a run of
 * many minutes. The failure is printed; a second one ends the scenario.
 */
async function runTwice (impl: Impl, run: () => Promise<RunResult>): Promise<RunResult> {
  try {
    return await run()
  } catch (err: any) {
    console.log(`  ${impl} failed (${err?.message ?? err}); running it again`)
    return run()
  }
}

/**
 * The impls in run `run`'s order: peershare and its variant take turns at going first, so
 * that what going second brings (the source file warm in the page cache, a machine busy
 * after the first) falls on each in half the runs
 */
function inTurn (impls: Impl[], run: number): Impl[] {
  if (run % 2 === 1 || !impls.includes('peershare') || !impls.includes('variant')) return impls
  return impls.map(impl => impl === 'peershare' ? 'variant' : impl === 'variant' ? 'peershare' : impl)
}

const RUNNERS: Record<Impl, (ctx: RunContext, opts: Options) => Promise<RunResult>> = {
  peershare: async ctx => runPeershare(ctx),
  variant: async (ctx, opts) => runPeershare(ctx, opts.variant),
  baseline: async ctx => runStream('baseline', ctx),
  webtorrent: runWebTorrent,
  net: async ctx => runStream('net', ctx)
}

export async function runSingle ({ opts, work, env }: BenchContext): Promise<void> {
  const impls = opts.impls
  const summaries: Summary[] = []
  for (const size of opts.sizes) {
    console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
    const source = await createRandomFile(join(work, 'source.bin'), size)
    const results: Record<Impl, RunResult[]> = { peershare: [], variant: [], baseline: [], webtorrent: [], net: [] }
    const timeoutMs = defaultTimeoutMs(opts, size)
    try {
      for (let run = 1; run <= opts.runs; run++) {
        for (const impl of inTurn(impls, run)) {
          const result = await runTwice(impl, async () => {
            const dir = await mkdtemp(join(work, `${impl}-`))
            try {
              return await RUNNERS[impl]({ size, source, dir, deadline: Date.now() + timeoutMs, env }, opts)
            } finally {
              await rm(dir, { recursive: true, force: true })
            }
          })
          results[impl].push(result)
          console.log(`  run ${run}/${opts.runs} ${impl.padEnd(10)} ${(size / MiB / result.seconds).toFixed(1).padStart(7)} MiB/s  ${result.seconds.toFixed(3)} s  rx peak RSS ${(result.peakRss / 1e6).toFixed(1)} MB${formatAtPeak(result.atPeak)}  CPU s rx ${(result.rxCpuMs / 1000).toFixed(2)} (main ${(result.rxMainCpuMs / 1000).toFixed(2)}) tx ${(result.txCpuMs / 1000).toFixed(2)} (main ${(result.txMainCpuMs / 1000).toFixed(2)})${result.firstChunkSeconds == null ? '' : `  first chunk ${result.firstChunkSeconds.toFixed(3)} s`}`)
          if (result.rxThreadsMs != null) console.log(`             CPU ms by thread: rx ${formatThreadCpu(result.rxThreadsMs)}; tx ${formatThreadCpu(result.txThreadsMs)}`)
        }
      }
    } finally {
      await rm(source.path, { force: true })
    }
    for (const impl of impls) summaries.push(summarise(impl, size, results[impl]))
  }
  const checks = rssCheck(summaries)
  printTable(SCENARIO, opts.runs, summaries)
  printRssCheck(checks)
  printJson(SCENARIO, opts.runs, summaries, checks)
}
