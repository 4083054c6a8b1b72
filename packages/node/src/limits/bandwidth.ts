/**
 * The node's bandwidth limits in one object: a global upload limiter, one limiter per
 * uploading peer (so one greedy peer cannot take the whole upload budget) and a global
 * download limiter. Exchange code awaits `upload(peer, n)` / `download(n)` before
 * sending or requesting `n` bytes.
 */
import type { BandwidthLimits } from '@peershare/client'
import { type Clock, type TakeOptions, RateLimiter, assertRate, systemClock } from './rate-limiter.js'

export type { BandwidthLimits }

export interface BandwidthStats {
  /** `waiting`: uploads in progress now (waiting for the limits, or passing them) */
  upload: { bytes: number, waitedMs: number, waiting: number }
  download: { bytes: number, waitedMs: number }
  /** per-peer limiters held now */
  peers: number
}

/** A per-peer limiter unused for this long is dropped */
export const PEER_IDLE_MS = 60_000
/** At most this many per-peer limiters; the least recently used goes first */
export const MAX_PEER_LIMITERS = 10_000

interface PeerEntry {
  limiter: RateLimiter
  lastUsed: number
  /** uploads waiting on this limiter now; such an entry is never idle */
  active: number
}

export class Bandwidth {
  readonly #clock: Clock
  readonly #limits: BandwidthLimits
  readonly #upload: RateLimiter
  readonly #download: RateLimiter
  // insertion order is use order: the first entry is the least recently used
  readonly #peers = new Map<string, PeerEntry>()
  #lastSweep: number
  #uploadBytes = 0
  #uploadWaitedMs = 0
  #uploadsWaiting = 0

  constructor (limits: BandwidthLimits, clock: Clock = systemClock) {
    assertRate(limits.uploadPerPeer) // the others are checked by their limiters
    this.#clock = clock
    this.#limits = { upload: limits.upload, uploadPerPeer: limits.uploadPerPeer, download: limits.download }
    this.#upload = new RateLimiter({ rate: limits.upload, clock })
    this.#download = new RateLimiter({ rate: limits.download, clock })
    this.#lastSweep = clock.now()
  }

  /** Waits until `bytes` may be sent to `peer`: its own limit first, then the global one */
  async upload (peer: string, bytes: number, options?: TakeOptions): Promise<void> {
    const start = this.#clock.now()
    this.#uploadsWaiting++
    try {
      const entry = this.#peer(peer)
      if (entry != null) {
        entry.active++
        try {
          await entry.limiter.take(bytes, options)
        } finally {
          entry.active--
          entry.lastUsed = this.#clock.now()
        }
      }
      await this.#upload.take(bytes, options)
      this.#uploadBytes += bytes
    } finally {
      this.#uploadsWaiting--
      this.#uploadWaitedMs += this.#clock.now() - start
    }
  }

  /** Waits until `bytes` may be received */
  async download (bytes: number, options?: TakeOptions): Promise<void> {
    await this.#download.take(bytes, options)
  }

  /** Drops the limiter of a peer, e.g. when it disconnects */
  forgetPeer (peer: string): void {
    this.#peers.delete(peer)
  }

  /** Changes some limits at run time; waiters re-evaluate at once */
  setLimits (limits: Partial<BandwidthLimits>): void {
    const next: BandwidthLimits = {
      upload: limits.upload ?? this.#limits.upload,
      uploadPerPeer: limits.uploadPerPeer ?? this.#limits.uploadPerPeer,
      download: limits.download ?? this.#limits.download
    }
    // all or nothing: check every value before changing any limiter
    assertRate(next.upload)
    assertRate(next.uploadPerPeer)
    assertRate(next.download)
    this.#upload.setRate(next.upload)
    this.#download.setRate(next.download)
    if (next.uploadPerPeer !== this.#limits.uploadPerPeer) {
      // setRate(0) releases their waiters; the map is not needed while unlimited
      for (const entry of this.#peers.values()) entry.limiter.setRate(next.uploadPerPeer)
      if (next.uploadPerPeer === 0) this.#peers.clear()
    }
    Object.assign(this.#limits, next)
  }

  limits (): BandwidthLimits {
    return { ...this.#limits }
  }

  stats (): BandwidthStats {
    const download = this.#download.stats()
    return {
      upload: { bytes: this.#uploadBytes, waitedMs: this.#uploadWaitedMs, waiting: this.#uploadsWaiting },
      download: { bytes: download.bytes, waitedMs: download.waitedMs },
      peers: this.#peers.size
    }
  }

  /** The peer's limiter, created on demand; undefined when per-peer uploads are unlimited */
  #peer (peer: string): PeerEntry | undefined {
    if (this.#limits.uploadPerPeer === 0) return undefined
    const now = this.#clock.now()
    if (now - this.#lastSweep >= PEER_IDLE_MS) this.#sweep(now)
    let entry = this.#peers.get(peer)
    if (entry != null) {
      this.#peers.delete(peer) // re-inserted below: most recently used
    } else {
      if (this.#peers.size >= MAX_PEER_LIMITERS) {
        // an evicted limiter with waiters still serves them; the peer just gets a fresh one
        this.#peers.delete(this.#peers.keys().next().value!)
      }
      entry = { limiter: new RateLimiter({ rate: this.#limits.uploadPerPeer, clock: this.#clock }), lastUsed: now, active: 0 }
    }
    entry.lastUsed = now
    this.#peers.set(peer, entry)
    return entry
  }

  /** Drops idle limiters; runs at most once per PEER_IDLE_MS, so uploads stay O(1) on average */
  #sweep (now: number): void {
    this.#lastSweep = now
    for (const [peer, entry] of this.#peers) {
      if (entry.active === 0 && now - entry.lastUsed >= PEER_IDLE_MS) this.#peers.delete(peer)
    }
  }
}
