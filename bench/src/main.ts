/**
 * `npm run bench`: scenario "single-source". One file moves between two processes on
 * 127.0.0.1, by peershare (share + get) and by the baseline (one raw libp2p stream
 * on the same TCP + noise + yamux stack); runs alternate and the table shows both.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { killAll, Worker } from './processes.js'
import { createRandomFile } from './random-file.js'
import { formatSize, type Impl, printJson, printRssCheck, printTable, type RunResult, rssCheck, summarise, type Summary } from './report.js'

const SCENARIO = 'single-source'
const MiB = 1024 * 1024
const GiB = 1024 * MiB
const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url))
const RAW_WORKER = fileURLToPath(new URL('./worker-raw.js', import.meta.url))
const PEERSHARE_WORKER = fileURLToPath(new URL('./worker-peershare.js', import.meta.url))

const USAGE = `usage: npm run bench -- [options]
  --size S[,S...]  file sizes, e.g. 64MiB, 256MiB, 1GiB (default 256MiB)
  --large          same as --size 1GiB
  --rss-check      run 256MiB and 1GiB and compare the receiver's peak RSS
  --runs N         runs per side and size, alternating baseline/peershare (default 2)
  --only IMPL      run only 'baseline' or 'peershare'
  --timeout SEC    limit for one run (default 120 s + 4 s per 16 MiB)
  --dir PATH       where temporary files go (default bench/.data)
  --profile        write a .cpuprofile of each worker's transfer phase to <dir>/profiles
  --node-init JSON extra PeershareNode.create() settings for both peershare nodes,
                   e.g. '{"downloadWindowBytes":33554432}' (to try tuning)`

interface Options {
  sizes: number[]
  runs: number
  only?: Impl
  timeoutMs?: number
  dataRoot: string
  profile: boolean
  nodeInit?: string
}

function parseOptions (argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      large: { type: 'boolean', default: false },
      'rss-check': { type: 'boolean', default: false },
      runs: { type: 'string', default: '2' },
      only: { type: 'string' },
      timeout: { type: 'string' },
      dir: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'node-init': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  let sizes = (values.size ?? '256MiB').split(',').map(parseSize)
  if (values.large) sizes = [GiB]
  // the RSS check compares the smallest and the largest size run (also without the flag)
  if (values['rss-check']) sizes = [256 * MiB, GiB]
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got '${values.runs}'`)
  if (values.only != null && values.only !== 'baseline' && values.only !== 'peershare') throw new Error(`--only must be 'baseline' or 'peershare'`)
  if (values['node-init'] != null) {
    try {
      JSON.parse(values['node-init'])
    } catch {
      throw new Error(`--node-init must be a JSON object, got '${values['node-init']}'`)
    }
  }
  const timeout = values.timeout == null ? undefined : Number(values.timeout)
  if (timeout != null && !(timeout > 0)) throw new Error(`--timeout must be a positive number of seconds`)
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs,
    only: values.only as Impl | undefined,
    timeoutMs: timeout == null ? undefined : timeout * 1000,
    dataRoot: resolve(values.dir ?? join(BENCH_DIR, '.data')),
    profile: values.profile,
    nodeInit: values['node-init']
  }
}

/** "256MiB", "1GiB", "64M", "1g" (binary units) or a plain byte count */
function parseSize (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(text)
  if (m == null) throw new Error(`Bad size '${text}' (try 64MiB, 256MiB or 1GiB)`)
  const unit = { k: 1024, m: MiB, g: GiB }[(m[2] ?? '').toLowerCase()] ?? 1
  const bytes = Math.round(Number(m[1]) * unit)
  if (bytes < 1) throw new Error(`Size must be at least 1 byte: '${text}'`)
  return bytes
}

interface RunContext {
  size: number
  source: { path: string, sha256: string }
  dir: string
  deadline: number
  /** extra environment for a worker, by role (where to write its CPU profile) */
  env: (role: string) => Record<string, string>
}

async function runBaseline (ctx: RunContext): Promise<RunResult> {
  const receiver = new Worker('raw receiver', RAW_WORKER, ['receiver', join(ctx.dir, 'out.bin')], ctx.env('baseline-receiver'))
  const sender = new Worker('raw sender', RAW_WORKER, ['sender', ctx.source.path], ctx.env('baseline-sender'))
  try {
    const [ready] = await Promise.all([receiver.next('ready', ctx.deadline), sender.next('ready', ctx.deadline)])
    sender.send({ type: 'send', addr: ready.addr as string })
    const [sent, done] = await Promise.all([sender.next('sent', ctx.deadline), receiver.next('done', ctx.deadline)])
    checkReceived('baseline', ctx, done)
    const [rxCpuMs, txCpuMs] = await Promise.all([receiver.cpuMs(ctx.deadline), sender.cpuMs(ctx.deadline)])
    return { impl: 'baseline', size: ctx.size, seconds: ((done.finishedAt as number) - sent.startedAt) / 1000, peakRss: done.peakRss, rxCpuMs, txCpuMs }
  } finally {
    await Promise.all([receiver.stop(), sender.stop()])
  }
}

async function runPeershare (ctx: RunContext): Promise<RunResult> {
  const sharer = new Worker('peershare sharer', PEERSHARE_WORKER, ['sharer', join(ctx.dir, 'sharer'), ctx.source.path], ctx.env('peershare-sharer'))
  const getter = new Worker('peershare getter', PEERSHARE_WORKER, ['getter', join(ctx.dir, 'getter')], ctx.env('peershare-getter'))
  try {
    const [shared] = await Promise.all([sharer.next('ready', ctx.deadline), getter.next('ready', ctx.deadline)])
    getter.send({ type: 'get', addr: shared.addr as string, fileId: shared.fileId as string, output: join(ctx.dir, 'out.bin') })
    const done = await getter.next('done', ctx.deadline)
    checkReceived('peershare', ctx, done)
    const [rxCpuMs, txCpuMs] = await Promise.all([getter.cpuMs(ctx.deadline), sharer.cpuMs(ctx.deadline)])
    return { impl: 'peershare', size: ctx.size, seconds: done.seconds as number, peakRss: done.peakRss, rxCpuMs, txCpuMs }
  } finally {
    await Promise.all([getter.stop(), sharer.stop()])
  }
}

function checkReceived (impl: Impl, ctx: RunContext, done: { bytes: number, sha256: string }): void {
  if (done.bytes !== ctx.size || done.sha256 !== ctx.source.sha256) {
    throw new Error(`${impl} received ${done.bytes} bytes with SHA-256 ${done.sha256}, expected ${ctx.size} bytes with ${ctx.source.sha256}`)
  }
}

async function main (): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  await mkdir(opts.dataRoot, { recursive: true })
  const work = await mkdtemp(join(opts.dataRoot, 'bench-'))
  const onSignal = (): void => {
    console.error('bench: interrupted')
    killAll()
    rmSync(work, { recursive: true, force: true })
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const profileDir = join(opts.dataRoot, 'profiles')
  if (opts.profile) await mkdir(profileDir, { recursive: true })
  let profiles = 0
  const env = (role: string): Record<string, string> => ({
    ...(opts.profile ? { BENCH_PROFILE: join(profileDir, `${role}-${++profiles}.cpuprofile`) } : {}),
    ...(opts.nodeInit != null && role.startsWith('peershare') ? { BENCH_NODE_INIT: opts.nodeInit } : {})
  })
  const impls: Impl[] = opts.only != null ? [opts.only] : ['baseline', 'peershare']
  const summaries: Summary[] = []
  try {
    for (const size of opts.sizes) {
      console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
      const source = await createRandomFile(join(work, 'source.bin'), size)
      const results: Record<Impl, RunResult[]> = { baseline: [], peershare: [] }
      const timeoutMs = opts.timeoutMs ?? 120_000 + (size / (16 * MiB)) * 4000
      for (let run = 1; run <= opts.runs; run++) {
        for (const impl of impls) {
          const dir = await mkdtemp(join(work, `${impl}-`))
          try {
            const ctx = { size, source, dir, deadline: Date.now() + timeoutMs, env }
            const result = impl === 'baseline' ? await runBaseline(ctx) : await runPeershare(ctx)
            results[impl].push(result)
            console.log(`  run ${run}/${opts.runs} ${impl.padEnd(9)} ${(size / MiB / result.seconds).toFixed(1).padStart(7)} MiB/s  ${result.seconds.toFixed(3)} s  rx peak RSS ${(result.peakRss / 1e6).toFixed(1)} MB  CPU s rx ${(result.rxCpuMs / 1000).toFixed(2)} tx ${(result.txCpuMs / 1000).toFixed(2)}`)
          } finally {
            await rm(dir, { recursive: true, force: true })
          }
        }
      }
      await rm(source.path, { force: true })
      for (const impl of impls) summaries.push(summarise(impl, size, results[impl]))
    }
  } finally {
    killAll()
    await rm(work, { recursive: true, force: true })
  }
  const checks = rssCheck(summaries)
  printTable(SCENARIO, opts.runs, summaries)
  printRssCheck(checks)
  if (opts.profile) console.log(`\nCPU profiles: ${profileDir}`)
  printJson(SCENARIO, opts.runs, summaries, checks)
}

main().catch((err: any) => {
  console.error(`bench: ${err?.message ?? err}`)
  process.exitCode = 1
})
