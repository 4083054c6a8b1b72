/**
 * Transfer rate over a sliding window: bytes per second over roughly the last
 * `windowMs`, so the figure follows changes instead of averaging the whole transfer.
 */
export class RateMeter {
  private readonly samples: Array<[number, number]> = []
  private total = 0

  constructor (private readonly windowMs = 3000, private readonly now: () => number = Date.now) {}

  add (bytes: number): void {
    const t = this.now()
    this.total += bytes
    this.samples.push([t, this.total])
    while (this.samples.length > 2 && this.samples[1][0] < t - this.windowMs) this.samples.shift()
  }

  /** Bytes per second over the window (0 until two samples exist) */
  get rate (): number {
    if (this.samples.length < 2) return 0
    const [t0, b0] = this.samples[0]
    const [t1, b1] = this.samples[this.samples.length - 1]
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0
  }
}
