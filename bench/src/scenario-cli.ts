/**
 * Scenario "cli": how long a `peershare` command takes, as a person sees it. A real
 * daemon runs on 127.0.0.1; `peershare id` (asks the daemon) and `peershare --version`
 * (asks nothing: the floor of starting the command) run as processes of the launcher
 * (packages/cli/bin/peershare.js, started by its `#!/usr/bin/env node` line), in turns.
 * When the PATH outside the project has an older `node` (e.g. 20), the same is
 * measured from there too: the launcher then re-runs the command on Node 24.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BenchContext, formatTable } from './context.js'

const SCENARIO = 'cli'
const LAUNCHER = fileURLToPath(new URL('../../../packages/cli/bin/peershare.js', import.meta.url))
const RUNS = 10
export const ID_TARGET_MS = 150
const START_TIMEOUT_MS = 60_000

interface Timing {
  command: string
  /** wall times, ms */
  ms: number[]
}

export async function runCli (ctx: BenchContext): Promise<void> {
  const dir = await mkdtemp(join(ctx.work, 'cli-'))
  const repo = join(dir, 'repo')
  const daemon = await startDaemon(repo)
  try {
    const timings = await measure(repo, undefined)
    const older = olderNode()
    if (older != null) timings.push(...await measure(repo, older))
    print(timings, older)
  } finally {
    daemon.kill('SIGTERM')
    await new Promise(resolve => daemon.once('close', resolve))
    await rm(dir, { recursive: true, force: true })
  }
}

/** `peershare daemon` on loopback, without mDNS; resolves once it printed its JSON line */
export async function startDaemon (repo: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [LAUNCHER, '--repo', repo, '--json', 'daemon', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], {
    env: { ...process.env, PEERSHARE_BOOTSTRAP: '' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the daemon did not start in time')) }, START_TIMEOUT_MS)
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text
      if (out.includes('\n')) { clearTimeout(timer); resolve() }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the daemon exited (code ${code})`)) })
  })
  return child
}

/**
 * `id` and `--version`, RUNS times each, in turns (so load on the machine hits both
 * alike), after one untimed run of each. `node` is the older Node to start the
 * launcher with, or none: the launcher runs from its own `#!` line, like a user's shell does.
 */
async function measure (repo: string, node: { path: string, version: string } | undefined): Promise<Timing[]> {
  const via = node == null ? '' : ` (from Node ${node.version})`
  const id: Timing = { command: `peershare id${via}`, ms: [] }
  const version: Timing = { command: `peershare --version${via}`, ms: [] }
  const argsOf = (t: Timing): string[] => (t === id ? ['--repo', repo, 'id'] : ['--version'])
  for (let i = 0; i <= RUNS; i++) {
    for (const t of [id, version]) {
      const ms = await timeRun(node?.path, argsOf(t))
      if (i > 0) t.ms.push(ms)
    }
  }
  return [id, version]
}

async function timeRun (node: string | undefined, args: string[]): Promise<number> {
  const [file, argv] = node == null ? [LAUNCHER, args] : [node, [LAUNCHER, ...args]]
  const started = performance.now()
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  const ms = performance.now() - started
  if (code !== 0) throw new Error(`peershare ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)
  return ms
}

/** The first `node` on the PATH outside node_modules, if it is older than the one we run on */
function olderNode (): { path: string, version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue
    const path = join(dir, process.platform === 'win32' ? 'node.exe' : 'node')
    if (!existsSync(path)) continue
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? ''
    const major = Number(/^v(\d+)/.exec(version)?.[1])
    return major < Number(process.versions.node.split('.')[0]) ? { path, version: version.slice(1) } : undefined
  }
  return undefined
}

/** What `#!/usr/bin/env node` starts the launcher with */
function pathNodeVersion (): string {
  return spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout?.trim().replace(/^v/, '') || 'unknown'
}

function stats (ms: number[]): { median: number, min: number, max: number } {
  const s = [...ms].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return { median: s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] }
}

function print (timings: Timing[], older: { version: string } | undefined): void {
  const rows = [['command', 'runs', 'median', 'min', 'max']]
  for (const t of timings) {
    const s = stats(t.ms)
    rows.push([t.command, String(t.ms.length), `${s.median.toFixed(0)} ms`, `${s.min.toFixed(0)} ms`, `${s.max.toFixed(0)} ms`])
  }
  console.log(`\n${SCENARIO}: wall time of one command against a running daemon; the launcher found Node ${pathNodeVersion()} on the PATH\n`)
  console.log(formatTable(rows, 1))
  const id = stats(timings[0].ms).median
  const verdict = id <= ID_TARGET_MS ? 'meets' : 'ABOVE'
  console.log(`\npeershare id median ${id.toFixed(0)} ms (${verdict} target <= ${ID_TARGET_MS} ms), --version ${stats(timings[1].ms).median.toFixed(0)} ms${older == null ? '' : `; from Node ${older.version} the launcher adds a second process`}`)
  const round = (x: number): number => Math.round(x * 10) / 10
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    node: process.versions.node,
    targetIdMs: ID_TARGET_MS,
    results: timings.map(t => ({ command: t.command, runs: t.ms.length, ...Object.fromEntries(Object.entries(stats(t.ms)).map(([k, v]) => [`${k}Ms`, round(v)])) }))
  })}`)
}
