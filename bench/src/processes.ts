/**
 * The parent side of the worker protocol: spawns `process.execPath` (the Node 24 the
 * bench itself runs on) with a worker script and an IPC channel (a peershare worker
 * with the Node flags `peershare daemon` gets from its launcher), and turns the
 * worker's messages into awaitable values with a deadline. Every worker is
 * tracked so that it is killed if the bench exits or fails.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { WORKERS } from './context.js'
import type { BenchMessage } from './protocol.js'

/** The Node flags of `peershare daemon` (its launcher's, packages/cli/bin/daemon-process.js) */
const { daemonNodeFlags }: { daemonNodeFlags: (env: NodeJS.ProcessEnv) => string[] } = await import(new URL('../../../packages/cli/bin/daemon-process.js', import.meta.url).href)

const live = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export class WorkerError extends Error {
  override name = 'WorkerError'
}

export class Worker {
  private readonly child: ChildProcess
  private readonly inbox: BenchMessage[] = []
  private waiter: (() => void) | undefined
  private exited: string | undefined
  /** last lines of the worker's stderr, for error reports */
  private stderrTail = ''
  private readonly exit: Promise<void>

  constructor (readonly label: string, script: string, args: string[], env: Record<string, string> = {}) {
    // no bootstrap peers from the environment: bench nodes only ever dial 127.0.0.1
    const childEnv = { ...process.env, PEERSHARE_BOOTSTRAP: '', ...env }
    // a peershare node runs as the daemon does, with its Node flags (BENCH_NODE_DEFAULTS=1: Node's defaults, to see what they gain),
    // then a variant's (BENCH_NODE_FLAGS, from --variant-flags; V8 takes a flag's last value)
    const asDaemon = script === WORKERS.peershare && process.env.BENCH_NODE_DEFAULTS !== '1'
    const extraFlags = (env.BENCH_NODE_FLAGS ?? '').split(' ').filter(f => f !== '')
    this.child = spawn(process.execPath, [...(asDaemon ? daemonNodeFlags(childEnv) : []), ...extraFlags, script, ...args], {
      env: childEnv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'json'
    })
    live.add(this.child)
    this.exit = new Promise(resolve => this.child.once('exit', () => resolve()))
    this.child.stderr?.on('data', (data: Buffer) => {
      process.stderr.write(data)
      this.stderrTail = (this.stderrTail + data.toString()).slice(-2000)
    })
    this.child.on('message', (msg: BenchMessage) => {
      this.inbox.push(msg)
      this.waiter?.()
    })
    this.child.on('exit', (code, signal) => {
      live.delete(this.child)
      this.exited = signal != null ? `signal ${signal}` : `code ${code}`
      this.waiter?.()
    })
    this.child.on('error', (err) => {
      this.exited = `spawn error: ${err.message}`
      this.waiter?.()
    })
  }

  send (msg: BenchMessage): void {
    this.child.send(msg)
  }

  /** The next message, which must be of `type`; a worker error, exit or the deadline rejects */
  async next<T extends BenchMessage['type']> (type: T, deadline: number): Promise<Extract<BenchMessage, { type: T }>> {
    while (true) {
      const msg = this.inbox.shift()
      if (msg?.type === 'error') throw new WorkerError(`${this.label}: ${msg.message}`)
      if (msg != null && msg.type !== type) throw new WorkerError(`${this.label}: expected '${type}', got '${msg.type}'`)
      if (msg != null) return msg as Extract<BenchMessage, { type: T }>
      if (this.exited != null) {
        const tail = this.stderrTail.trim().split('\n').slice(-1)[0] ?? ''
        throw new WorkerError(`${this.label} exited (${this.exited}) before sending '${type}'${tail === '' ? '' : `: ${tail}`}`)
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new WorkerError(`${this.label}: no '${type}' before the time limit`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiter = () => { clearTimeout(timer); this.waiter = undefined; resolve() }
      })
    }
  }

  /** CPU ms the worker spent in its transfer phase */
  async cpuMs (deadline: number): Promise<number> {
    return (await this.usage(deadline)).cpuMs
  }

  /** CPU ms of the worker's transfer phase: all its threads, its main thread (the event loop) alone, and by thread kind (Linux) */
  async usage (deadline: number): Promise<{ cpuMs: number, mainCpuMs: number, threadsMs?: Record<string, number> }> {
    this.send({ type: 'usage' })
    const { cpuMs = 0, mainCpuMs = 0, threadsMs } = await this.next('usage', deadline)
    return { cpuMs, mainCpuMs, threadsMs }
  }

  /** A peershare worker's RSS, peak RSS (since the last `reset`) and exchange server stats */
  async probe (deadline: number, reset = false): Promise<Extract<BenchMessage, { type: 'probe' }>> {
    this.send({ type: 'probe', reset })
    return this.next('probe', deadline)
  }

  /** Asks the worker to stop; kills it if it has not exited within `graceMs` */
  async stop (graceMs = 5000): Promise<void> {
    if (this.exited != null) return
    if (this.child.connected) this.send({ type: 'stop' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exit
    clearTimeout(timer)
  }

  kill (): void {
    if (this.exited == null) this.child.kill('SIGKILL')
  }

  /** The worker's process id (undefined if it could not be started) */
  get pid (): number | undefined {
    return this.child.pid
  }
}

/** Tracks a process that is not a Worker (a daemon, a CLI run) so that it is killed like one */
export function adopt (child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** Kills every worker still running (on a signal, or after a failure) */
export function killAll (): void {
  for (const child of live) child.kill('SIGKILL')
}
