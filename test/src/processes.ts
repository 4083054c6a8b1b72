/**
 * Real `peershare` processes for whole-program tests: daemons on 127.0.0.1 in
 * temporary repos, and CLI runs against them.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built bin, found from this compiled file (test/dist/src/cli.spec.js) */
export const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/bin.js', import.meta.url))
/** The `peershare` command users run: a daemon started through it gets the daemon's Node flags (daemon-process.js) */
export const LAUNCHER = fileURLToPath(new URL('../../../packages/cli/bin/peershare.js', import.meta.url))
const CLI_TIMEOUT = 30_000
const DAEMON_START_MS = 90_000

export interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface DaemonProcess {
  repo: string
  child: ChildProcess
  /** the JSON line it printed */
  info: { peerId: string, addresses: string[], api: string }
  /** the network namespace it runs in (netns/), if any: its CLI runs there too */
  netns?: string
  exited: Promise<Pick<Result, 'code' | 'signal'>>
  /** what it wrote to stderr so far (its log, with DEBUG set): for a failure's message */
  stderr: () => string
}

export const children = new Set<ChildProcess>()

/** The environment of every process we start: no PEERSHARE_REPO from the caller's shell */
export function childEnv (): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.PEERSHARE_REPO
  return env
}

/** Starts `peershare <args>`, inside network namespace `netns` when given (`ip netns exec` execs node in place, so `child` is node) */
export function start (args: string[], cwd: string, netns?: string): { child: ChildProcess, stdout: () => string, stderr: () => string, exited: Promise<Pick<Result, 'code' | 'signal'>> } {
  const [program, ...programArgs] = netns == null ? [process.execPath] : ['ip', 'netns', 'exec', netns, process.execPath]
  // a daemon as users start it (the launcher becomes it, same pid); client commands straight, to keep them quick
  const entry = args[0] === 'daemon' ? LAUNCHER : BIN
  const child = spawn(program, [...programArgs, entry, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => { stdout += text })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const exited = new Promise<Pick<Result, 'code' | 'signal'>>((resolve, reject) => {
    child.once('error', reject)
    // 'close', not 'exit': by then stdout and stderr have been read to the end
    child.once('close', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Runs `peershare <args>` to completion */
export async function cli (args: string[], cwd: string, netns?: string): Promise<Result> {
  const proc = start(args, cwd, netns)
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), CLI_TIMEOUT)
  try {
    const { code, signal } = await proc.exited
    return { code, signal, stdout: proc.stdout(), stderr: proc.stderr() }
  } finally {
    clearTimeout(timer)
  }
}

/** Every daemon and CLI process a spec started is killed and waited for (bounded), then its temporary folder removed */
export async function killChildrenAndRemove (dir: string | undefined): Promise<void> {
  for (const child of children) child.kill('SIGKILL')
  await until(() => children.size === 0, 'child processes to end', 10_000).catch(() => {})
  if (dir != null) await rm(dir, { recursive: true, force: true })
}

/** Polls `condition` until it holds; fails after `timeoutMs` */
export async function until (condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

export interface DaemonPlace {
  /** run inside this network namespace (netns/) */
  netns?: string
  /** the address to listen on: 127.0.0.1 unless in a namespace */
  listen?: string
}

/** Starts `peershare daemon --json` (plus `extraArgs`) and waits for its JSON line and its api.json */
export async function startDaemon (repo: string, cwd: string, extraArgs: string[] = [], place: DaemonPlace = {}): Promise<DaemonProcess> {
  const { netns, listen = '/ip4/127.0.0.1/tcp/0' } = place
  // no mDNS: tests send nothing beyond 127.0.0.1 (or the namespaces they made)
  const proc = start(['daemon', '--repo', repo, '--listen', listen, '--no-mdns', '--json', ...extraArgs], cwd, netns)
  let exited = false
  void proc.exited.then(() => { exited = true })
  // a bound, not a target: a daemon took 35-60 s to start while the machine ran at load 20-30
  await until(() => proc.stdout().includes('\n') || exited, 'the daemon to print its JSON line', DAEMON_START_MS)
  if (!proc.stdout().includes('\n')) throw new Error(`daemon exited early: ${proc.stderr()}`)
  const info = JSON.parse(proc.stdout().split('\n')[0])
  await until(() => existsSync(join(repo, 'api.json')), 'api.json')
  return { repo, child: proc.child, info, exited: proc.exited, stderr: proc.stderr, ...(netns == null ? {} : { netns }) }
}

/** The `{ error: { code, message } }` a --json command printed: exactly one line on stderr */
export function jsonError (result: Result): { code: string, message: string } {
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`)
  return JSON.parse(lines[0]).error
}

/** A failure reported to a person: exit code 1 and one `peershare: ...` line on stderr */
export function assertHumanFailure (result: Result): void {
  assert.equal(result.code, 1, result.stderr)
  assert.match(result.stderr, /^peershare: [^\n]+\n$/)
  assert.equal(result.stdout, '')
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const part of createReadStream(path)) hash.update(part as Buffer)
  return hash.digest('hex')
}

/** A TCP port on 127.0.0.1 that nothing listens on */
export async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** A daemon's TCP address, with /p2p/<peer id> */
export function tcpAddress (d: DaemonProcess): string {
  const address = d.info.addresses.find(x => x.includes('/tcp/'))
  assert.ok(address != null, `the daemon has a TCP address: ${d.info.addresses.join(' ')}`)
  return address
}

/** Runs `peershare --repo <d> --json <args>`, asserts success, returns the parsed output */
export async function cliJson (d: DaemonProcess, args: string[], cwd: string): Promise<any> {
  const result = await cli(['--repo', d.repo, '--json', ...args], cwd, d.netns)
  assert.equal(result.code, 0, result.stderr)
  return JSON.parse(result.stdout)
}
