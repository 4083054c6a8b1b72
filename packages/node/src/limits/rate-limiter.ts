/**
 * A token bucket for bytes. Callers `take(bytes)` before sending; the bucket refills at
 * `rate` bytes/s up to `burst`. A take may leave the bucket in debt (a 1 MiB chunk
 * with a 256 KiB burst), so chunk size never has to fit the burst; later callers wait
 * until the debt is paid. Waiters are served strictly by priority, FIFO within one,
 * which is how downloads share bandwidth by priority and upload slots share it fairly.
 */
import { AbortedError } from '../errors.js'
import { sleep } from '../signals.js'
import { InvalidRateError } from '@peershare/client'

/** Time, injectable so tests can use a fake clock */
export interface Clock {
  /** milliseconds */
  now(): number
  /** resolves after `ms`, rejects (AbortedError) when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // no node:timers: the exchange server's peer rates run in the browser peer too
  sleep: async (ms, signal) => { await (signal == null ? new Promise<void>(resolve => { setTimeout(resolve, ms) }) : sleep(ms, signal)) }
}

export type Priority = 'low' | 'normal' | 'high'

export interface TakeOptions {
  /** @default 'normal' */
  priority?: Priority
  signal?: AbortSignal
}

export interface RateLimiterInit {
  /** bytes per second; 0 = unlimited */
  rate: number
  /** bytes the bucket holds when full. @default max(rate / 4, 64 KiB) */
  burst?: number
  /** @default systemClock */
  clock?: Clock
}

export interface RateLimiterStats {
  /** bytes granted in total */
  bytes: number
  /** total time callers spent waiting, in ms */
  waitedMs: number
  /** callers waiting now */
  waiting: number
}

interface Waiter {
  bytes: number
  since: number
  resolve(): void
  /** detaches the abort listener */
  done(): void
}

const MIN_BURST = 64 * 1024
// setTimeout fires after 1 ms when asked for more than this: wake up early instead
const MAX_TIMER_MS = 2 ** 31 - 1

export function defaultBurst (rate: number): number {
  return Math.max(rate / 4, MIN_BURST)
}

/** Throws InvalidRateError unless `rate` is a usable bytes/s value (0 = unlimited) */
export function assertRate (rate: number): void {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) throw new InvalidRateError(`Invalid rate ${rate}`)
}

export class RateLimiter {
  #rate = 0
  #burst = MIN_BURST
  #tokens = MIN_BURST
  #refilled: number
  readonly #clock: Clock
  // one FIFO per priority, highest first
  readonly #queues: Record<Priority, Waiter[]> = { high: [], normal: [], low: [] }
  #timer: AbortController | undefined
  #bytes = 0
  #waitedMs = 0

  constructor (init: RateLimiterInit) {
    this.#clock = init.clock ?? systemClock
    this.#refilled = this.#clock.now()
    this.setRate(init.rate, init.burst) // starts with a full bucket
  }

  get rate (): number {
    return this.#rate
  }

  get burst (): number {
    return this.#burst
  }

  /** Changes the rate (0 = unlimited) and burst; waiters re-evaluate at once */
  setRate (rate: number, burst = defaultBurst(rate)): void {
    assertRate(rate)
    if (!Number.isFinite(burst) || burst <= 0) throw new InvalidRateError(`Invalid burst ${burst}`)
    this.#refill() // tokens earned so far count at the old rate
    const wasUnlimited = this.#rate === 0
    this.#rate = rate
    this.#burst = burst
    this.#tokens = wasUnlimited ? burst : Math.min(this.#tokens, burst)
    this.#cancelTimer() // the wait depends on the rate
    this.#drain()
  }

  /** Resolves when `bytes` may be sent; rejects with AbortedError when the signal aborts */
  async take (bytes: number, options: TakeOptions = {}): Promise<void> {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`Cannot take ${bytes} bytes`)
    const { signal, priority = 'normal' } = options
    if (signal?.aborted === true) throw new AbortedError('Cancelled while waiting for bandwidth')
    if (this.#rate === 0 || (this.#waiting() === 0 && this.#available())) {
      this.#grant(bytes)
      return
    }
    await new Promise<void>((resolve, reject) => {
      const queue = this.#queues[priority]
      const onAbort = (): void => {
        const i = queue.indexOf(waiter)
        if (i === -1) return
        queue.splice(i, 1)
        this.#waitedMs += this.#clock.now() - waiter.since
        if (this.#waiting() === 0) this.#cancelTimer()
        reject(new AbortedError('Cancelled while waiting for bandwidth'))
      }
      const waiter: Waiter = {
        bytes,
        since: this.#clock.now(),
        resolve,
        done: () => signal?.removeEventListener('abort', onAbort)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      queue.push(waiter)
      this.#drain()
    })
  }

  stats (): RateLimiterStats {
    return { bytes: this.#bytes, waitedMs: this.#waitedMs, waiting: this.#waiting() }
  }

  #waiting (): number {
    return this.#queues.high.length + this.#queues.normal.length + this.#queues.low.length
  }

  #refill (): void {
    const now = this.#clock.now()
    if (this.#rate > 0) this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilled) * this.#rate / 1000)
    this.#refilled = now
  }

  /** A non-negative bucket may grant any amount (debt); a negative one must refill first */
  #available (): boolean {
    this.#refill()
    return this.#tokens >= 0
  }

  #grant (bytes: number): void {
    if (this.#rate > 0) this.#tokens -= bytes
    this.#bytes += bytes
  }

  /** Serves waiters in priority order while the bucket allows, then sleeps until it will */
  #drain (): void {
    for (const queue of [this.#queues.high, this.#queues.normal, this.#queues.low]) {
      while (queue.length > 0) {
        if (this.#rate !== 0 && !this.#available()) {
          this.#schedule()
          return
        }
        const waiter = queue.shift()!
        waiter.done()
        this.#waitedMs += this.#clock.now() - waiter.since
        this.#grant(waiter.bytes)
        waiter.resolve()
      }
    }
  }

  /** Starts the one timer, to fire when the bucket is back to zero */
  #schedule (): void {
    if (this.#timer != null) return
    const timer = new AbortController()
    this.#timer = timer
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(-this.#tokens * 1000 / this.#rate)))
    void this.#clock.sleep(ms, timer.signal).catch(() => {}).then(() => {
      if (this.#timer !== timer) return // cancelled
      this.#timer = undefined
      this.#drain()
    })
  }

  #cancelTimer (): void {
    this.#timer?.abort()
    this.#timer = undefined
  }
}
