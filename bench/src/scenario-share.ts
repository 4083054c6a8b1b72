/**
 * Scenario "share". `peershare share <file>` (the CLI against a real daemon on
 * 127.0.0.1, as a person runs it: in place, and `--copy`) against `sha256sum` of the
 * same file (the first --size), alternating in one run, with a cold page cache (caches
 * dropped before each, when this process may: root) and a warm one. Target: share in
 * place >= 80% of sha256sum's speed, cold and warm. Wall times include starting the
 * CLI process (what a user waits for); min and median of --runs.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BenchContext, formatTable } from './context.js'
import { createRandomFile } from './random-file.js'
import { formatSize, median } from './report.js'
import { startDaemon } from './scenario-cli.js'

const SCENARIO = 'share'
const LAUNCHER = fileURLToPath(new URL('../../../packages/cli/bin/peershare.js', import.meta.url))
const MiB = 1024 * 1024
/** share in place as a share of sha256sum's speed */
export const SHARE_TARGET = 0.8

type Tool = 'sha256sum' | 'share' | 'share --copy'
type Cache = 'cold' | 'warm'
const TOOLS: Tool[] = ['sha256sum', 'share', 'share --copy']

export async function runShare ({ opts, work }: BenchContext): Promise<void> {
  const size = opts.sizes[0]
  const dir = await mkdtemp(join(work, 'share-'))
  const repo = join(dir, 'repo')
  console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
  const source = await createRandomFile(join(dir, 'source.bin'), size)
  const daemon = await startDaemon(repo)
  const times = new Map<string, number[]>()
  try {
    const canDrop = await dropCaches()
    if (!canDrop) console.log('  page cache cannot be dropped here (not root): warm figures only')
    const caches: Cache[] = canDrop ? ['cold', 'warm'] : ['warm']
    for (let run = 1; run <= opts.runs; run++) {
      for (const cache of caches) {
        for (const tool of TOOLS) {
          if (cache === 'cold') await dropCaches()
          // warm: a read first, so every tool finds the whole file in the page cache
          else await runCommand(['sha256sum', source.path])
          const seconds = await timeTool(tool, repo, source.path)
          console.log(`  run ${run}/${opts.runs} ${cache} ${tool.padEnd(13)} ${seconds.toFixed(2).padStart(6)} s  ${(size / MiB / seconds).toFixed(0).padStart(5)} MiB/s`)
          const key = `${cache} ${tool}`
          times.set(key, [...(times.get(key) ?? []), seconds])
        }
      }
    }
    print(size, opts.runs, caches, times)
  } finally {
    daemon.kill('SIGTERM')
    await new Promise(resolve => daemon.once('close', resolve))
    await rm(dir, { recursive: true, force: true })
  }
}

async function timeTool (tool: Tool, repo: string, path: string): Promise<number> {
  const args = tool === 'sha256sum'
    ? ['sha256sum', path]
    : [process.execPath, LAUNCHER, '--repo', repo, '--json', 'share', ...(tool === 'share --copy' ? ['--copy'] : []), path]
  const start = performance.now()
  await runCommand(args)
  return (performance.now() - start) / 1000
}

/** Runs a command to its end; rejects with its stderr when it fails */
async function runCommand ([command, ...args]: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const code = await new Promise<number | null>((resolve, reject) => { child.once('error', reject).once('close', resolve) })
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`)
}

/** Drops the page cache (root only); false when it cannot */
async function dropCaches (): Promise<boolean> {
  try {
    await runCommand(['sync'])
    await writeFile('/proc/sys/vm/drop_caches', '3')
    return true
  } catch {
    return false
  }
}

function print (size: number, runs: number, caches: Cache[], times: Map<string, number[]>): void {
  const mibs = (seconds: number): string => (size / MiB / seconds).toFixed(0)
  const rows = [['', 'min s', 'median s', 'MiB/s (min)', 'MiB/s (median)', 'speed vs sha256sum (median)']]
  const results: Array<Record<string, unknown>> = []
  for (const cache of caches) {
    const baseline = median(times.get(`${cache} sha256sum`) ?? [])
    for (const tool of TOOLS) {
      const t = times.get(`${cache} ${tool}`) ?? []
      if (t.length === 0) continue
      const min = Math.min(...t)
      const med = median(t)
      rows.push([`${cache} ${tool}`, min.toFixed(2), med.toFixed(2), mibs(min), mibs(med), `${(baseline / med * 100).toFixed(0)}%`])
      results.push({ cache, tool, minSeconds: Math.round(min * 1000) / 1000, medianSeconds: Math.round(med * 1000) / 1000, ratio: Math.round(baseline / med * 1000) / 1000 })
    }
  }
  console.log(`\n${SCENARIO} ${formatSize(size)}, ${runs} runs: peershare share (CLI, daemon on 127.0.0.1) vs sha256sum (target in place >= ${SHARE_TARGET * 100}%)\n`)
  console.log(formatTable(rows, 1))
  console.log(`BENCH_JSON ${JSON.stringify({ scenario: SCENARIO, runs, size, results })}`)
}
