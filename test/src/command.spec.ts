/**
 * The `peershare` command as installed: the launcher (packages/cli/bin/peershare.js)
 * started by its `#!` line or by an older Node, client commands that never load the
 * node, usage errors, the "no daemon" line, and the Node flags the launcher starts
 * `peershare daemon` with.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VERSION } from '@peershare/client'
import { BIN, childEnv, children, cli, type DaemonProcess, jsonError, killChildrenAndRemove, type Result, startDaemon, until } from './processes.js'

const LAUNCHER = fileURLToPath(new URL('../../../packages/cli/bin/peershare.js', import.meta.url))
type DaemonProcessModule = {
  SEMI_SPACE_MB: number
  MARKING_FLAG: string
  daemonNodeFlags: (env: NodeJS.ProcessEnv) => string[]
  commandOf: (args: string[]) => string | undefined
}
const { SEMI_SPACE_MB, MARKING_FLAG, daemonNodeFlags, commandOf }: DaemonProcessModule = await import(new URL('../../../packages/cli/bin/daemon-process.js', import.meta.url).href)
const TRACER = fileURLToPath(new URL('./load-tracer.js', import.meta.url))

/** Runs `command args` to completion, capturing output */
async function run (command: string, args: string[], env: NodeJS.ProcessEnv = childEnv()): Promise<Result & { child: ChildProcess }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => { stdout += text })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const { code, signal } = await new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => { children.delete(child); resolve({ code, signal }) })
  })
  return { code, signal, stdout, stderr, child }
}

/** The command line of process `pid` (Linux /proc) */
async function commandLine (pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
}

/** Starts `peershare daemon` on a fresh repo by `argv` (node and the launcher), waits until it serves */
async function launchDaemon (argv: string[], repo: string): Promise<{ child: ChildProcess, exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }> }> {
  const child = spawn(argv[0], [...argv.slice(1), '--repo', repo, '--json', 'daemon', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => { stdout += text })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.once('close', (code, signal) => { children.delete(child); resolve({ code, signal }) })
  })
  await until(() => stdout.includes('\n') && existsSync(join(repo, 'api.json')), 'the daemon to start')
  return { child, exited }
}

/** Asserts that process `pid` runs the daemon with the launcher's Node flags */
async function assertDaemonFlags (pid: number): Promise<void> {
  const argv = await commandLine(pid)
  const bin = argv.findIndex(arg => arg.endsWith('bin.js'))
  assert.ok(argv.slice(1, bin).includes(`--max-semi-space-size=${SEMI_SPACE_MB}`), `Node flags before the CLI: ${argv.join(' ')}`)
  assert.ok(argv.slice(1, bin).includes(MARKING_FLAG), `Node flags before the CLI: ${argv.join(' ')}`)
}

/** A `node` on the PATH outside node_modules older than Node 24, if the machine has one */
function olderNode (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue
    const node = join(dir, 'node')
    if (!existsSync(node)) continue
    const major = Number(/^v(\d+)/.exec(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1])
    if (major < 24) return node
  }
  return undefined
}

describe('the peershare command (real processes)', function () {
  this.timeout(60_000)
  let dir: string
  let daemon: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-command-'))
    daemon = await startDaemon(join(dir, 'repo'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('the launcher, started by its #! line, runs the CLI: --version and id', async () => {
    const [version, id] = await Promise.all([run(LAUNCHER, ['--version']), run(LAUNCHER, ['--repo', daemon.repo, '--json', 'id'])])
    assert.equal(version.code, 0, version.stderr)
    assert.equal(version.stdout, `${VERSION}\n`)
    assert.equal(id.code, 0, id.stderr)
    assert.equal(JSON.parse(id.stdout).peerId, daemon.info.peerId)
  })

  it('`peershare id` loads no libp2p module and nothing of @peershare/node', async () => {
    const trace = join(dir, 'modules.txt')
    const result = await run(process.execPath, ['--import', TRACER, BIN, '--repo', daemon.repo, 'id'], { ...childEnv(), PEERSHARE_TRACE_FILE: trace })
    assert.equal(result.code, 0, result.stderr)
    const modules = (await readFile(trace, 'utf8')).split('\n')
    assert.ok(modules.some(url => url.includes('/packages/client/')), 'the trace sees the client')
    const node = modules.filter(url => /\/packages\/node\/|\/node_modules\/(libp2p|@libp2p|@chainsafe)\//.test(url))
    assert.deepEqual(node, [])
  })

  it('usage errors exit 2 with one line: unknown option, missing argument, bad value, unknown command', async () => {
    const cases = [['id', '--bogus'], ['share'], ['get', 'x', '--priority', 'urgent'], ['daemon', '--api-port', 'http'], ['completion', 'tcsh'], ['frobnicate']]
    const results = await Promise.all(cases.flatMap(args => [cli(args, dir), cli(['--json', ...args], dir)]))
    results.forEach((result, i) => {
      const args = cases[Math.floor(i / 2)].join(' ')
      assert.equal(result.code, 2, `${args}: ${result.stderr}`)
      assert.equal(result.stdout, '', args)
      if (i % 2 === 0) assert.match(result.stderr, /^peershare: [^\n]+\n$/, args)
      else assert.equal(jsonError(result).code, 'ERR_USAGE', args)
    })
  })

  it('without a daemon: one line naming the repo and how to start its daemon, exit 1', async () => {
    const repo = join(dir, 'no-daemon')
    const [json, human] = await Promise.all([cli(['--repo', repo, '--json', 'id'], dir), cli(['--repo', repo, 'status'], dir)])
    assert.equal(json.code, 1)
    const error = jsonError(json)
    assert.equal(error.code, 'ERR_DAEMON_NOT_RUNNING')
    assert.ok(error.message.includes(`peershare --repo ${repo} daemon`), error.message)
    assert.equal(human.code, 1)
    assert.match(human.stderr, /^peershare: [^\n]+\n$/)
    assert.ok(human.stderr.includes(repo))
  })

  it('finds the command after global options; a user\'s own semi-space size wins', () => {
    assert.equal(commandOf(['--repo', 'daemon', '--json', 'daemon', '--no-mdns']), 'daemon')
    assert.equal(commandOf(['--repo=r', 'id']), 'id')
    assert.equal(commandOf(['--version']), undefined)
    assert.deepEqual(daemonNodeFlags({ NODE_OPTIONS: '--max-semi-space-size=16' }), [MARKING_FLAG])
    assert.deepEqual(daemonNodeFlags({}), [`--max-semi-space-size=${SEMI_SPACE_MB}`, MARKING_FLAG])
  })

  it('Node starts with the daemon\'s Node flags, the project\'s and the machine\'s (a flag it did not know would stop it)', () => {
    for (const node of [process.execPath, olderNode()]) {
      if (node == null) continue
      const run = spawnSync(node, [...daemonNodeFlags({}), '-e', 'process.stdout.write("started")'], { encoding: 'utf8' })
      assert.equal(run.status, 0, `${node}: ${run.stderr}`)
      assert.equal(run.stdout, 'started')
    }
  })

  it('`peershare daemon` on Node 24 becomes the daemon (same process) with the daemon\'s Node flags; SIGINT stops it cleanly', async function () {
    if (process.platform !== 'linux') this.skip()
    const repo = join(dir, 'launched')
    const { child, exited } = await launchDaemon([process.execPath, LAUNCHER], repo)
    await assertDaemonFlags(child.pid!)
    child.kill('SIGINT')
    assert.deepEqual(await exited, { code: 0, signal: null })
    assert.equal(existsSync(join(repo, 'api.json')), false, 'a clean stop removes api.json')
  })

  describe('started by an older Node', () => {
    const node = olderNode()
    before(function () {
      // the re-run on the project's Node 24 can only be seen from an older one
      if (node == null) this.skip()
    })

    it('re-runs the command on Node 24: output and exit codes pass through', async () => {
      const [version, id, usage] = await Promise.all([
        run(node!, [LAUNCHER, '--version']),
        run(node!, [LAUNCHER, '--repo', daemon.repo, '--json', 'id']),
        run(node!, [LAUNCHER, 'id', '--bogus'])
      ])
      assert.equal(version.code, 0, version.stderr)
      assert.equal(version.stdout, `${VERSION}\n`)
      assert.equal(JSON.parse(id.stdout).peerId, daemon.info.peerId)
      assert.equal(usage.code, 2)
    })

    it('starts the daemon with the daemon\'s Node flags and passes SIGINT to it once: the daemon stops cleanly', async () => {
      const repo = join(dir, 'via-older-node')
      const { child, exited } = await launchDaemon([node!, LAUNCHER], repo)
      // the daemon is the launcher's one child, on Node 24 with the daemon's flags
      const [daemonPid] = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim().split(' ').map(Number)
      await assertDaemonFlags(daemonPid)
      child.kill('SIGINT')
      assert.deepEqual(await exited, { code: 0, signal: null })
      assert.equal(existsSync(join(repo, 'api.json')), false, 'a clean stop removes api.json')
    })
  })
})
