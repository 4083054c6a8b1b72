/**
 * How many chunks to keep requested from one source: its throughput times the
 * quickest a chunk has come back, plus a margin (pipelineDepth). The throughput is
 * measured over the time requests were outstanding, counted from the request that
 * started a busy spell, so chunks that arrive together (queued behind a slow start,
 * or read in one burst by a busy receiver) cannot claim a rate the source never had.
 * A rate read from the gap between such chunks once ran to 20 times the link's, and
 * the depth it set let one source claim every chunk left while the others idled.
 */
import { MAX_OUTSTANDING_CHUNKS } from '@peershare/protocol'
import { RateMeter } from './rate-meter.js'

/** Seconds of a source's measured throughput to keep requested beyond one round trip */
const QUEUE_SECONDS = 0.25
/** Pipeline depth before a source's rate is known (also the chunks asked for with the Want) */
export const INITIAL_DEPTH = 4

/**
 * Chunks to keep requested from a source: enough to cover its bandwidth-delay product
 * (`rate` bytes/s times `roundTripMs`, the quickest a chunk has come back: the link's
 * round trip plus one chunk's transfer) and QUEUE_SECONDS more. The rate is the one
 * achieved, not the link's capacity: while the pipeline is the limit, the margin lets
 * the depth grow by (1 + QUEUE_SECONDS / round trip) per rate window until the link
 * is. The quickest chunk's time does not grow with the pipeline's own queueing, so the
 * depth does not feed on itself. INITIAL_DEPTH until both are known; at least 2
 * (one arriving, one queued at the source), at most MAX_OUTSTANDING_CHUNKS.
 */
export function pipelineDepth (rate: number, roundTripMs: number, chunkSize: number): number {
  if (rate === 0 || !Number.isFinite(roundTripMs)) return INITIAL_DEPTH
  const seconds = roundTripMs / 1000 + QUEUE_SECONDS
  return Math.min(MAX_OUTSTANDING_CHUNKS, Math.max(2, Math.ceil(rate * seconds / chunkSize)))
}

export class SourcePace {
  private readonly meter: RateMeter
  /** quickest request-to-verified-chunk time seen (ms): the link's round trip plus one chunk's transfer */
  private quickestMs = Number.POSITIVE_INFINITY

  constructor (private readonly now: () => number = Date.now) {
    this.meter = new RateMeter(3000, now)
  }

  /** A request goes out (went out `at`); `idle`: none was outstanding, so a busy spell starts then */
  requested (idle: boolean, at = this.now()): void {
    // a zero-byte sample is the baseline the next chunks' rate counts from
    if (idle) this.meter.add(0, at)
  }

  /** A verified chunk of `bytes` came back, asked for at `requestedAt` */
  delivered (bytes: number, requestedAt: number): void {
    const ms = this.now() - requestedAt
    if (ms < this.quickestMs) this.quickestMs = ms
    this.meter.add(bytes)
  }

  /** Bytes per second delivered while busy (over the meter's window) */
  get rate (): number {
    return this.meter.rate
  }

  get roundTripMs (): number {
    return this.quickestMs
  }

  depth (chunkSize: number): number {
    return pipelineDepth(this.rate, this.quickestMs, chunkSize)
  }
}
