/**
 * When a download looks for sources. Running: at once, then after 1, 2, 4, 8 s, then
 * every `sourceRefreshInterval` (providers answer at different speeds, then new ones
 * appear slowly). Stalled, with no source delivering: after 2, 4, 8 … s, never more
 * than `stallRetryMax` apart, until a source delivers again; a peer connecting makes it
 * look at once (at most every 2 s), since that may be a source come back.
 */
import type { TransferSettings } from './source-pool.js'

/** First wait between looks while stalled; it doubles up to `stallRetryMax` */
const FIRST_STALL_RETRY = 2000

/** The wait before the `n`-th look while stalled (n from 0): 2, 4, 8 … s, at most `cap` */
export function stallRetryDelay (n: number, cap: number): number {
  return Math.min(cap, FIRST_STALL_RETRY * 2 ** Math.min(Math.max(n, 0), 30))
}

export class LookSchedule {
  /** set while no source delivers, cleared when one does */
  private stalledSince: number | undefined
  private looks = 0
  private stallLooks = 0
  private lastLook = Number.NEGATIVE_INFINITY
  private nextLookAt = 0
  private lookNow = false
  private lastWake = 0

  constructor (private readonly settings: Pick<TransferSettings, 'sourceRefreshInterval' | 'stallRetryMax'>, private readonly now: () => number = Date.now) {}

  get stalled (): boolean {
    return this.stalledSince != null
  }

  /** Starts afresh (a download starting or resuming): look at once */
  reset (): void {
    this.stalledSince = undefined
    this.looks = 0
    this.stallLooks = 0
    this.lastLook = Number.NEGATIVE_INFINITY
  }

  /**
   * Follows the sources: `delivering` when one fetches, `idle` when none fetches or
   * is being opened. Returns true when the stalled state changed.
   */
  update (delivering: boolean, idle: boolean): boolean {
    if (delivering) {
      if (this.stalledSince == null) return false
      this.stalledSince = undefined
      this.stallLooks = 0
      return true
    }
    if (this.stalledSince != null || !idle) return false
    this.stalledSince = this.now()
    // the look that just came to nothing counts as the first
    this.stallLooks = 1
    this.nextLookAt = this.lastLook + stallRetryDelay(0, this.settings.stallRetryMax)
    return true
  }

  /** True when a look is due now; records it */
  due (): boolean {
    const now = this.now()
    if (this.lookNow) {
      this.lookNow = false
      this.lastLook = Number.NEGATIVE_INFINITY
    }
    const interval = this.stalled
      ? stallRetryDelay(this.stallLooks - 1, this.settings.stallRetryMax)
      : Math.min(this.settings.sourceRefreshInterval, 1000 * 2 ** Math.min(this.looks, 30))
    if (now - this.lastLook < interval) return false
    this.lastLook = now
    if (this.stalled) this.stallLooks++
    else this.looks++
    this.nextLookAt = now + stallRetryDelay(this.stallLooks - 1, this.settings.stallRetryMax)
    return true
  }

  /** A peer connected: a stalled download looks again now */
  wake (): void {
    if (!this.stalled || this.now() - this.lastWake < FIRST_STALL_RETRY) return
    this.lastWake = this.now()
    this.lookNow = true
  }

  /** Whole seconds until the next look while stalled */
  secondsToNextLook (): number {
    return Math.max(0, Math.ceil((this.nextLookAt - this.now()) / 1000))
  }
}
