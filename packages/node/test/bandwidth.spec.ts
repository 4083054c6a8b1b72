import assert from 'node:assert/strict'
import { Bandwidth, MAX_PEER_LIMITERS, PEER_IDLE_MS } from '../src/limits/bandwidth.js'
import { FakeClock, settle } from './fake-clock.js'

/** Runs the clock until `promise` settles; returns the fake time it took */
async function timed (clock: FakeClock, promise: Promise<unknown>): Promise<number> {
  const start = clock.time
  let done = false
  const watched = promise.finally(() => { done = true })
  while (!done) {
    if (!await clock.step()) assert.ok(done, 'waiting with no timer pending')
  }
  await watched
  return clock.time - start
}

const KiB = 1024
const MiB = 1024 * KiB

describe('Bandwidth', () => {
  it('limits each peer on its own', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: MiB, download: 0 }, clock)
    await bw.upload('a', 256 * KiB + MiB) // burst 256 KiB, then 1 MiB of debt
    assert.equal(await timed(clock, bw.upload('b', MiB)), 0)
    assert.equal(await timed(clock, bw.upload('a', 1)), 1000)
    assert.equal(bw.stats().peers, 2)
  })

  it('limits all peers together', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: MiB, uploadPerPeer: 0, download: 0 }, clock)
    await bw.upload('a', 256 * KiB + MiB)
    assert.equal(await timed(clock, bw.upload('b', 1)), 1000)
    assert.equal(bw.stats().peers, 0)
    assert.deepEqual(bw.stats().upload, { bytes: 1280 * KiB + 1, waitedMs: 1000, waiting: 0 })
  })

  it('keeps one greedy peer to its own limit and shares the global one', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 1.5 * MiB, uploadPerPeer: MiB, download: 0 }, clock)
    const sent: Record<string, number> = { a: 0, b: 0 }
    const greedy = async (peer: string, until: number): Promise<void> => {
      while (clock.time < until) {
        await bw.upload(peer, 64 * KiB)
        sent[peer] += 64 * KiB
      }
    }
    // a alone for 10 s: its own 1 MiB/s, not the global 1.5
    await timed(clock, greedy('a', 10_000))
    assert.ok(sent.a <= 10 * MiB + 256 * KiB + 128 * KiB && sent.a >= 9 * MiB, `a sent ${sent.a}`)
    // a and b for 10 s more: 1.5 MiB/s in total, about half each
    sent.a = 0
    await timed(clock, Promise.all([greedy('a', 20_000), greedy('b', 20_000)]))
    const total = sent.a + sent.b
    assert.ok(total <= 15 * MiB + 384 * KiB + 256 * KiB && total >= 14 * MiB, `sent ${total}`)
    assert.ok(Math.abs(sent.a - sent.b) <= 1.5 * MiB, `a sent ${sent.a}, b ${sent.b}`)
  })

  it('forgets peers idle for a minute, and on request', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: MiB, download: 0 }, clock)
    await bw.upload('a', 1)
    await bw.upload('b', 1)
    clock.time = PEER_IDLE_MS / 2
    await bw.upload('a', 1)
    assert.equal(bw.stats().peers, 2)
    clock.time = PEER_IDLE_MS + 1
    await bw.upload('c', 1) // b is idle for a minute now, a for half of one
    assert.equal(bw.stats().peers, 2)
    bw.forgetPeer('a')
    assert.equal(bw.stats().peers, 1)
  })

  it(`holds at most ${MAX_PEER_LIMITERS} peers`, async () => {
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: MiB, download: 0 }, new FakeClock())
    for (let i = 0; i <= MAX_PEER_LIMITERS; i++) await bw.upload(`peer-${i}`, 1)
    assert.equal(bw.stats().peers, MAX_PEER_LIMITERS)
  })

  it('limits downloads and counts the wait', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: 0, download: MiB }, clock)
    await bw.download(256 * KiB + MiB)
    assert.equal(await timed(clock, bw.download(1, { priority: 'high' })), 1000)
    assert.deepEqual(bw.stats().download, { bytes: 1280 * KiB + 1, waitedMs: 1000 })
  })

  it('passes an abort through as AbortedError', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: MiB, download: 0 }, clock)
    await bw.upload('a', 2 * MiB)
    const controller = new AbortController()
    const waiting = bw.upload('a', 1, { signal: controller.signal })
    controller.abort()
    await assert.rejects(waiting, { name: 'AbortedError' })
    assert.equal(bw.stats().upload.bytes, 2 * MiB)
  })

  it('changes limits at run time, all or nothing', async () => {
    const clock = new FakeClock()
    const bw = new Bandwidth({ upload: 0, uploadPerPeer: MiB, download: 0 }, clock)
    await bw.upload('a', 10 * MiB)
    let released = false
    const waiting = bw.upload('a', 1).then(() => { released = true })
    await settle()
    assert.equal(released, false)
    bw.setLimits({ uploadPerPeer: 0, download: 1000 })
    await waiting
    assert.equal(clock.time, 0)
    assert.equal(bw.stats().peers, 0)
    assert.deepEqual(bw.limits(), { upload: 0, uploadPerPeer: 0, download: 1000 })
    assert.throws(() => { bw.setLimits({ download: 5, upload: -1 }) }, { name: 'InvalidRateError' })
    assert.deepEqual(bw.limits(), { upload: 0, uploadPerPeer: 0, download: 1000 })
    assert.throws(() => new Bandwidth({ upload: 0, uploadPerPeer: Number.NaN, download: 0 }), { name: 'InvalidRateError' })
  })
})
