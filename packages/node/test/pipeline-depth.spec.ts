import assert from 'node:assert/strict'
import { MAX_OUTSTANDING_CHUNKS } from '@peershare/protocol'
import { pipelineDepth } from '../src/download/source-worker.js'

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
