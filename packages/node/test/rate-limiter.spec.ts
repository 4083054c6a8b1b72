import assert from 'node:assert/strict'
import { RateLimiter } from '../src/limits/rate-limiter.js'
import { FakeClock, settle } from './fake-clock.js'

/** Runs the clock, timer by timer, until `done()` holds; fails if it would wait forever */
async function until (clock: FakeClock, done: () => boolean): Promise<void> {
  await settle()
  while (!done()) {
    if (!await clock.step()) assert.ok(done(), 'waiting with no timer pending')
  }
}

/** Starts a take and records its name in `order` when it resolves */
function track (limiter: RateLimiter, order: string[], name: string, bytes: number, options = {}): Promise<void> {
  return limiter.take(bytes, options).then(() => { order.push(name) })
}

const KiB = 1024
const MiB = 1024 * KiB

describe('RateLimiter', () => {
  it('passes everything at once when unlimited', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 0, clock })
    for (let i = 0; i < 100; i++) await limiter.take(100 * MiB)
    assert.equal(clock.pending, 0)
    assert.deepEqual(limiter.stats(), { bytes: 10_000 * MiB, waitedMs: 0, waiting: 0 })
  })

  it('needs about 2 s of clock for 3x rate bytes when the bucket starts full of 1 s', async () => {
    const clock = new FakeClock()
    const rate = 100_000
    const limiter = new RateLimiter({ rate, burst: rate, clock })
    let done = false
    const sending = (async () => {
      for (let i = 0; i < 300; i++) await limiter.take(1000)
      done = true
    })()
    await until(clock, () => done)
    await sending
    // the burst covers 1 s, the last 1000-byte take starts 10 ms before the 3 s mark
    assert.ok(clock.time >= 1980 && clock.time <= 2010, `took ${clock.time} ms of fake time`)
    assert.equal(clock.maxPending, 1)
    assert.equal(limiter.stats().bytes, 300_000)
  })

  it('lets a take larger than the burst run into debt, and makes the next one wait it off', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 256 * KiB, burst: 256 * KiB, clock })
    await limiter.take(MiB + 256 * KiB) // bucket was non-negative: goes to -1 MiB
    const order: string[] = []
    const next = track(limiter, order, 'next', 1)
    await clock.advance(3999)
    assert.deepEqual(order, [])
    await clock.advance(1)
    await next
    assert.deepEqual(order, ['next'])
  })

  it('serves waiters by priority: high, then normal, then low', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1000, burst: 1000, clock })
    await limiter.take(2000)
    const order: string[] = []
    const all = [
      track(limiter, order, 'low', 1000, { priority: 'low' }),
      track(limiter, order, 'normal', 1000),
      track(limiter, order, 'high', 1000, { priority: 'high' })
    ]
    assert.equal(limiter.stats().waiting, 3)
    await until(clock, () => order.length === 3)
    await Promise.all(all)
    assert.deepEqual(order, ['high', 'normal', 'low'])
    // each waited for the debt before it: 1 s, 2 s, 3 s
    assert.deepEqual(limiter.stats(), { bytes: 5000, waitedMs: 6000, waiting: 0 })
  })

  it('is FIFO within one priority', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1000, burst: 1000, clock })
    await limiter.take(2000)
    const order: string[] = []
    const all = ['n1', 'h1', 'n2', 'h2', 'n3'].map(name =>
      track(limiter, order, name, 500, { priority: name.startsWith('h') ? 'high' : 'normal' }))
    await until(clock, () => order.length === 5)
    await Promise.all(all)
    assert.deepEqual(order, ['h1', 'h2', 'n1', 'n2', 'n3'])
  })

  it('removes an aborted waiter with AbortedError and still serves the others', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1000, burst: 1000, clock })
    await limiter.take(2000)
    const order: string[] = []
    const controller = new AbortController()
    const a = track(limiter, order, 'a', 100)
    const b = track(limiter, order, 'b', 100, { signal: controller.signal })
    const c = track(limiter, order, 'c', 100)
    controller.abort()
    await assert.rejects(b, { name: 'AbortedError' })
    assert.equal(limiter.stats().waiting, 2)
    await until(clock, () => order.length === 2)
    await Promise.all([a, c])
    assert.deepEqual(order, ['a', 'c'])
  })

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ rate: 1000, clock: new FakeClock() })
    await assert.rejects(limiter.take(1, { signal: AbortSignal.abort() }), { name: 'AbortedError' })
    assert.equal(limiter.stats().bytes, 0)
  })

  it('stops its timer when the last waiter aborts', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1000, burst: 1000, clock })
    await limiter.take(2000)
    const controller = new AbortController()
    const waiting = limiter.take(1, { signal: controller.signal })
    assert.equal(clock.pending, 1)
    controller.abort()
    await assert.rejects(waiting, { name: 'AbortedError' })
    assert.equal(clock.pending, 0)
  })

  it('re-evaluates waiters at once when the rate is raised', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1, burst: 10, clock })
    await limiter.take(1000) // 990 bytes of debt: 990 s at 1 B/s
    const order: string[] = []
    const waiter = track(limiter, order, 'w', 1)
    await clock.advance(1000)
    assert.deepEqual(order, [])
    limiter.setRate(1_000_000) // the remaining 989 bytes take 1 ms now
    assert.equal(limiter.rate, 1_000_000)
    await clock.advance(1)
    await waiter
    assert.deepEqual(order, ['w'])
    assert.equal(clock.maxPending, 1)
  })

  it('releases every waiter when the rate is set to 0 (unlimited)', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ rate: 1000, burst: 1000, clock })
    await limiter.take(10_000)
    const order: string[] = []
    const all = [track(limiter, order, 'a', 1, { priority: 'low' }), track(limiter, order, 'b', 1)]
    limiter.setRate(0)
    await Promise.all(all)
    assert.deepEqual(order, ['b', 'a'])
    assert.equal(clock.time, 0)
    assert.equal(clock.pending, 0)
  })

  it('rejects a negative or non-finite rate with InvalidRateError', () => {
    assert.throws(() => new RateLimiter({ rate: -1 }), { name: 'InvalidRateError' })
    assert.throws(() => new RateLimiter({ rate: 1000 }).setRate(Number.NaN), { name: 'InvalidRateError' })
    assert.throws(() => new RateLimiter({ rate: 1000, burst: 0 }), { name: 'InvalidRateError' })
  })

  it('defaults the burst to a quarter second of rate, at least 64 KiB', () => {
    assert.equal(new RateLimiter({ rate: 8 * MiB }).burst, 2 * MiB)
    assert.equal(new RateLimiter({ rate: 1000 }).burst, 64 * KiB)
  })
})
