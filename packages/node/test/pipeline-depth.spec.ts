import assert from 'node:assert/strict'
import { MAX_OUTSTANDING_CHUNKS } from '@peershare/protocol'
import { SourcePace, pipelineDepth } from '../src/download/source-pace.js'
import { FakeClock } from './fake-clock.js'

const MiB = 1024 * 1024
const Mbit = 1_000_000 / 8

/** The quickest a chunk can come back over a link: its round trip plus the chunk's own transfer */
function chunkRoundTripMs (rttMs: number, rate: number, chunkSize = MiB): number {
  return rttMs + chunkSize * 1000 / rate
}

/**
 * A link whose only other limit is the pipeline: each round trip moves the chunks in
 * flight, so the rate achieved is min(capacity, depth x chunk / round trip). Returns
 * the rate after `windows` rate windows, starting from the initial depth.
 */
function settle (capacity: number, rttMs: number, windows: number, chunkSize = MiB): number {
  const roundTripMs = chunkRoundTripMs(rttMs, capacity, chunkSize)
  let depth = pipelineDepth(0, Number.POSITIVE_INFINITY, chunkSize)
  let rate = 0
  for (let i = 0; i < windows; i++) {
    rate = Math.min(capacity, depth * chunkSize * 1000 / roundTripMs)
    depth = pipelineDepth(rate, roundTripMs, chunkSize)
  }
  return rate
}

describe('pipelineDepth', () => {
  it('starts at 4 chunks until both the rate and a chunk round trip are known', () => {
    assert.equal(pipelineDepth(0, 100, MiB), 4)
    assert.equal(pipelineDepth(10 * MiB, Number.POSITIVE_INFINITY, MiB), 4)
  })

  it('covers the bandwidth-delay product of long, fat links', () => {
    for (const [rttMs, rate] of [[80, 100 * Mbit], [200, 20 * Mbit], [100, 1000 * Mbit], [1, 8 * MiB]]) {
      const roundTripMs = chunkRoundTripMs(rttMs, rate)
      const depth = pipelineDepth(rate, roundTripMs, MiB)
      assert.ok(depth * MiB >= rate * roundTripMs / 1000, `${rttMs} ms at ${rate} B/s: ${depth} chunks in flight`)
    }
  })

  it('grows until the link, not the pipeline, is the limit', () => {
    // a rate measured while the pipeline limits it would keep the depth where it is without the margin
    for (const [rttMs, capacity] of [[80, 100 * Mbit], [200, 20 * Mbit], [40, 25 * Mbit], [100, 400 * Mbit]]) {
      const rate = settle(capacity, rttMs, 12)
      assert.equal(rate, capacity, `${rttMs} ms, ${capacity} B/s: stuck at ${rate}`)
    }
  })

  it('stays within 2 and MAX_OUTSTANDING_CHUNKS', () => {
    assert.equal(pipelineDepth(1, 1, MiB), 2)
    assert.equal(pipelineDepth(10_000 * MiB, 1000, MiB), MAX_OUTSTANDING_CHUNKS)
  })

  it('asks a slow source for little: 1 Mbit/s over 50 ms holds 2 chunks', () => {
    assert.equal(pipelineDepth(1 * Mbit, chunkRoundTripMs(50, 1 * Mbit), MiB), 2)
  })
})

describe('SourcePace', () => {
  /** Requests `count` chunks at the clock's time; the first starts a busy spell */
  function requestAll (pace: SourcePace, clock: FakeClock, count: number): number[] {
    const sent: number[] = []
    for (let i = 0; i < count; i++) {
      pace.requested(i === 0)
      sent.push(clock.now())
    }
    return sent
  }

  it('does not read a burst of chunks that waited behind a slow start as a fast source', async () => {
    // 4 chunks over a 25 Mbit/s link, read only at 1.5 s (a busy receiver), 10 ms apart
    const clock = new FakeClock()
    const pace = new SourcePace(() => clock.now())
    const sent = requestAll(pace, clock, 4)
    await clock.advance(1500)
    for (const at of sent) {
      pace.delivered(MiB, at)
      await clock.advance(10)
    }
    const delivered = 4 * MiB * 1000 / clock.now()
    assert.ok(pace.rate <= delivered, `rate ${pace.rate} above the ${delivered} B/s delivered since the first request`)
    // the link's 3 MiB/s over the 1.5 s quickest round trip and the margin: a handful, not every chunk of the file
    assert.ok(pace.depth(MiB) <= 6, `depth ${pace.depth(MiB)}`)
  })

  it('counts a new busy spell from its first request, not from the first chunk back', async () => {
    const clock = new FakeClock()
    const pace = new SourcePace(() => clock.now())
    await clock.advance(10_000)
    const sent = requestAll(pace, clock, 2)
    await clock.advance(400)
    pace.delivered(MiB, sent[0])
    await clock.advance(5)
    pace.delivered(MiB, sent[1])
    assert.ok(pace.rate <= 2 * MiB * 1000 / 405, `rate ${pace.rate}`)
    assert.equal(pace.roundTripMs, 400)
  })

  it('measures a steady source at its rate', async () => {
    // one chunk every 100 ms, two in flight: 10 MiB/s
    const clock = new FakeClock()
    const pace = new SourcePace(() => clock.now())
    const inFlight = requestAll(pace, clock, 2)
    for (let i = 0; i < 30; i++) {
      await clock.advance(100)
      pace.delivered(MiB, inFlight.shift() as number)
      pace.requested(inFlight.length === 0)
      inFlight.push(clock.now())
    }
    assert.ok(Math.abs(pace.rate - 10 * MiB) < 0.05 * 10 * MiB, `rate ${pace.rate}`)
  })
})
