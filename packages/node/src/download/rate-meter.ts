/**
 * Transfer rate over a sliding window: bytes per second over roughly the last
 * `windowMs`, so the figure follows changes instead of averaging the whole transfer.
 * The window slides with the clock, not with the samples: when nothing arrives the
 * rate decays to 0 within `windowMs` (a stalled download must not show its last speed).
 *
 * `sparse` (a download's displayed rate): samples may come further apart than the
 * window, as 1 MiB chunks do below about 340 KiB/s, where a window that held fewer than
 * two samples showed 0 B/s and no ETA for the whole download. The last two samples are
 * then always kept, the rate runs from the newest sample at or before the window's start,
 * and it falls to 0 only once nothing came for longer than the window and than the last
 * gap between samples.
 */
/** How many windows apart two samples may be and still make a rate (sparse): 12 s, a chunk at about 85 KiB/s */
const SPARSE_SPAN = 4

export class RateMeter {
  /** [time, running total of bytes] per sample; the first may be older than the window (the baseline) */
  private readonly samples: Array<[number, number]> = []
  private total = 0

  constructor (private readonly windowMs = 3000, private readonly now: () => number = Date.now, private readonly sparse = false) {}

  /** `t`: when the bytes counted (a baseline set back to when a request went out); now by default */
  add (bytes: number, t = this.now()): void {
    this.total += bytes
    this.samples.push([t, this.total])
    this.prune(t)
  }

  /** Bytes per second over the window ending now (0 until two samples lie within it; sparse: two samples at all) */
  get rate (): number {
    const now = this.now()
    this.prune(now)
    const n = this.samples.length
    if (n < 2) return 0
    const [t0, b0] = this.samples[0]
    const [tLast, bLast] = this.samples[n - 1]
    if (this.sparse) {
      // overdue against the window and the cadence so far: stalled
      if (now - tLast > Math.max(this.windowMs, tLast - this.samples[n - 2][0])) return 0
      return now > t0 ? ((bLast - b0) * 1000) / (now - t0) : 0
    }
    // a baseline older than the window counts from the cutoff: every later sample lies within it
    const start = Math.max(t0, now - this.windowMs)
    return now > start ? ((bLast - b0) * 1000) / (now - start) : 0
  }

  /**
   * Keeps one sample at or before the window's start as the baseline, none older (sparse:
   * the last two always, but none more than SPARSE_SPAN windows before the newest: a
   * baseline from before a pause or a long stall would make a resumed download slow)
   */
  private prune (now: number): void {
    const cutoff = now - this.windowMs
    const keep = this.sparse ? 2 : 1
    while (this.samples.length > keep && this.samples[1][0] <= cutoff) this.samples.shift()
    if (!this.sparse && this.samples.length === 1 && this.samples[0][0] <= cutoff) this.samples.shift()
    if (this.sparse && this.samples.length > 1) {
      const newest = this.samples[this.samples.length - 1][0]
      while (this.samples.length > 1 && this.samples[0][0] < newest - SPARSE_SPAN * this.windowMs) this.samples.shift()
    }
  }
}
