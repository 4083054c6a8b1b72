/**
 * The child side of the bench's IPC protocol (see processes.ts): JSON messages over
 * the Node IPC channel, one error message and a non-zero exit on failure, and exit
 * when the parent goes away so no worker outlives a crashed bench.
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { threadCpuSince, threadTimes } from './thread-cpu.js'
import { type BenchMessage, now } from './protocol.js'

const inbox: BenchMessage[] = []
let waiter: ((msg: BenchMessage) => void) | undefined

let prober: ((reset: boolean) => Omit<Extract<BenchMessage, { type: 'probe' }>, 'type'>) | undefined

/** What the worker answers to 'probe' (answered here even while it waits for something else) */
export function onProbe (fn: typeof prober): void {
  prober = fn
}

export function send (msg: BenchMessage): void {
  process.send?.(msg)
}

/** The next message from the parent, in order */
export async function receive (): Promise<BenchMessage> {
  const queued = inbox.shift()
  if (queued != null) return queued
  return new Promise(resolve => { waiter = resolve })
}

/** Runs a worker's main function with the IPC plumbing around it */
export function runWorker (main: (args: string[]) => Promise<void>): void {
  if (process.send == null) {
    process.stderr.write('bench worker: must be started by the bench (needs an IPC channel)\n')
    process.exit(2)
  }
  process.on('message', (msg: BenchMessage) => {
    // answered here so that a worker busy waiting for something else still replies
    if (msg.type === 'usage') {
      send({ type: 'usage', cpuMs: phase.cpuMs(), mainCpuMs: phase.mainCpuMs(), threadsMs: phase.threadsMs() })
      return
    }
    if (msg.type === 'probe') {
      send({ type: 'probe', ...prober?.(msg.reset === true) })
      return
    }
    const w = waiter
    waiter = undefined
    if (w != null) w(msg)
    else inbox.push(msg)
  })
  process.on('disconnect', () => process.exit(3))
  main(process.argv.slice(2)).then(
    // exit explicitly: a lingering handle must not keep a finished worker alive
    () => process.exit(0),
    (err: any) => {
      send({ type: 'error', message: err?.message ?? String(err), name: err?.name })
      // give the message a moment to leave before exiting
      setTimeout(() => process.exit(1), 100)
    }
  )
}

/** process.memoryUsage() in bytes: where a process's resident memory is */
export type MemoryBreakdown = NodeJS.MemoryUsage

/**
 * Samples this process's RSS every 50 ms and keeps the peak, with process.memoryUsage()
 * at that peak (V8 heap, external memory, array buffers: what the peak is made of). The
 * timer is unref'd so it never keeps a worker alive; `stop()` takes a last sample.
 */
export class RssSampler {
  peak = process.memoryUsage.rss()
  atPeak: MemoryBreakdown = process.memoryUsage()
  private readonly timer: NodeJS.Timeout

  constructor (intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
  }

  sample (): void {
    const usage = process.memoryUsage()
    if (usage.rss > this.peak) {
      this.peak = usage.rss
      this.atPeak = usage
    }
  }

  /** Starts a new peak from the current RSS */
  reset (): void {
    this.atPeak = process.memoryUsage()
    this.peak = this.atPeak.rss
  }

  stop (): number {
    clearInterval(this.timer)
    this.sample()
    return this.peak
  }
}

export { now }

/** Bytes between allocation samples (V8's default is 32 KiB): about 6,000 samples per 256 MiB sent */
const ALLOC_SAMPLE_BYTES = 8192

/**
 * The transfer phase of a worker (not startup, not sharing): its CPU time (user +
 * system) and, when the bench sets BENCH_PROFILE / BENCH_ALLOC_PROFILE to a file path,
 * a CPU profile and an allocation profile (DevTools: Memory, load profile).
 */
class TransferPhase {
  private session: Session | undefined
  private readonly path = process.env.BENCH_PROFILE
  private allocSession: Session | undefined
  private readonly allocPath = process.env.BENCH_ALLOC_PROFILE
  private cpuStart: NodeJS.CpuUsage | undefined
  private mainStart: NodeJS.CpuUsage | undefined
  private cpuTotal: number | undefined
  private mainTotal: number | undefined
  private threadsStart: ReturnType<typeof threadTimes> | undefined
  private threadsTotal: Record<string, number> | undefined

  /** CPU time of the whole process (every thread) */
  cpuMs (): number {
    if (this.cpuTotal != null) return this.cpuTotal
    if (this.cpuStart == null) return 0
    const { user, system } = process.cpuUsage(this.cpuStart)
    return (user + system) / 1000
  }

  /** CPU time of the main thread alone: the event loop that moves the bytes */
  mainCpuMs (): number {
    if (this.mainTotal != null) return this.mainTotal
    if (this.mainStart == null) return 0
    const { user, system } = process.threadCpuUsage(this.mainStart)
    return (user + system) / 1000
  }

  /** CPU time by thread kind (thread-cpu.ts): main, worker threads, libuv's file pool, V8's helpers */
  threadsMs (): Record<string, number> | undefined {
    if (this.threadsTotal != null) return this.threadsTotal
    return this.threadsStart == null ? undefined : threadCpuSince(this.threadsStart)
  }

  async start (): Promise<void> {
    this.cpuStart = process.cpuUsage()
    this.mainStart = process.threadCpuUsage()
    this.threadsStart = threadTimes()
    if (this.allocPath != null && this.allocPath !== '') {
      this.allocSession = new Session()
      this.allocSession.connect()
      await this.allocSession.post('HeapProfiler.enable')
      // every allocation sampled, those collected since too: garbage is what makes GC work
      await this.allocSession.post('HeapProfiler.startSampling', { samplingInterval: ALLOC_SAMPLE_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    }
    if (this.path == null || this.path === '') return
    this.session = new Session()
    this.session.connect()
    await this.session.post('Profiler.enable')
    await this.session.post('Profiler.start')
  }

  async stop (): Promise<void> {
    if (this.cpuTotal == null) this.cpuTotal = this.cpuMs()
    if (this.mainTotal == null) this.mainTotal = this.mainCpuMs()
    this.threadsTotal ??= this.threadsMs()
    if (this.allocSession != null && this.allocPath != null) {
      const { profile } = await this.allocSession.post('HeapProfiler.stopSampling')
      this.allocSession.disconnect()
      this.allocSession = undefined
      await writeFile(this.allocPath, JSON.stringify(profile))
    }
    if (this.session == null || this.path == null) return
    const { profile } = await this.session.post('Profiler.stop')
    this.session.disconnect()
    this.session = undefined
    await writeFile(this.path, JSON.stringify(profile))
  }
}

export const phase = new TransferPhase()
