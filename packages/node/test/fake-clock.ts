/** A fake clock for limiter tests: no real waiting, so nothing depends on machine speed */
import type { Clock } from '../src/limits/rate-limiter.js'

/**
 * Time that moves only when the test says so: sleep() resolves when the test
 * advances past its deadline. No real waiting, so nothing here depends on machine speed.
 */
export class FakeClock implements Clock {
  time = 0
  /** most timers pending at once, to check the limiter never runs more than one */
  maxPending = 0
  readonly #sleepers: Array<{ at: number, wake(): void }> = []

  now (): number {
    return this.time
  }

  async sleep (ms: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const sleeper = { at: this.time + ms, wake: resolve }
      this.#sleepers.push(sleeper)
      this.maxPending = Math.max(this.maxPending, this.#sleepers.length)
      signal?.addEventListener('abort', () => {
        this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1)
        reject(new Error('sleep aborted'))
      }, { once: true })
    })
  }

  get pending (): number {
    return this.#sleepers.length
  }

  /** Moves time forward by `ms`, waking each timer due on the way at its own time */
  async advance (ms: number): Promise<void> {
    const end = this.time + ms
    await settle()
    for (let next = this.#next(); next != null && next.at <= end; next = this.#next()) {
      this.time = Math.max(this.time, next.at)
      this.#sleepers.splice(this.#sleepers.indexOf(next), 1)
      next.wake()
      await settle()
    }
    this.time = end
    await settle()
  }

  /** Jumps to the next timer and wakes it; false when none is pending */
  async step (): Promise<boolean> {
    await settle()
    const next = this.#next()
    if (next == null) return false
    await this.advance(next.at - this.time)
    return true
  }

  #next (): { at: number, wake(): void } | undefined {
    return this.#sleepers.reduce<{ at: number, wake(): void } | undefined>((a, b) => a == null || b.at < a.at ? b : a, undefined)
  }
}

/** Lets every pending promise callback run (one macrotask turn; not a timed wait) */
export async function settle (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}
