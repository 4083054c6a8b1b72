/**
 * Transfer rate over a sliding window: bytes per second over roughly the last
 * `windowMs`, so the figure follows changes instead of averaging the whole transfer.
 * The window slides with the clock, not with the samples: when nothing arrives the
 * rate decays to 0 within `windowMs` (a stalled download must not show its last speed).
 */
export class RateMeter {
  /** [time, running total of bytes] per sample; the first may be older than the window (the baseline) */
  private readonly samples: Array<[number, number]> = []
  private total = 0

  constructor (private readonly windowMs = 3000, private readonly now: () => number = Date.now) {}

  /** `t`: when the bytes counted (a baseline set back to when a request went out); now by default */
  add (bytes: number, t = this.now()): void {
    this.total += bytes
    this.samples.push([t, this.total])
    this.prune(t)
  }

  /** Bytes per second over the window ending now (0 until two samples lie within it) */
  get rate (): number {
    const now = this.now()
    this.prune(now)
    if (this.samples.length < 2) return 0
    const cutoff = now - this.windowMs
    const [t0, b0] = this.samples[0]
    const [, b1] = this.samples[this.samples.length - 1]
    // a baseline older than the window counts from the cutoff: every later sample lies within it
    const start = Math.max(t0, cutoff)
    return now > start ? ((b1 - b0) * 1000) / (now - start) : 0
  }

  /** Keeps one sample at or before the window's start as the baseline, none older */
  private prune (now: number): void {
    const cutoff = now - this.windowMs
    while (this.samples.length >= 2 && this.samples[1][0] <= cutoff) this.samples.shift()
    if (this.samples.length === 1 && this.samples[0][0] <= cutoff) this.samples.shift()
  }
}
