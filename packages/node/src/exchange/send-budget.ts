/**
 * How many bytes the provider holds for peers that have not taken them yet: per
 * session, per peer and for the whole node. A session takes room (`SendLease.acquire`)
 * before it reads a piece from disk and gives it back as its stream sends it; it
 * never relies on the stream's drain promise (in @libp2p/utils 7.4 `onDrain()`
 * resolves at once for ever after the first drain, so writes never waited) nor on
 * drain events alone: waiters also re-check on a timer. A session whose own bytes
 * do not move for `stallTimeout` ms is a peer that stopped reading: `PeerNotReadingError`.
 * (The CVE-2024-32984 pattern: a peer that closes its receive window.)
 */
import type { Stream } from '@libp2p/interface'
import { AbortedError } from '../errors.js'

export interface SendLimits {
  /** Unsent bytes one session may hold */
  maxUnsentPerSession: number
  /** Unsent bytes all sessions of one peer may hold together */
  maxUnsentPerPeer: number
  /** Unsent bytes all sessions together may hold */
  maxUnsentBytes: number
  /** A session that cannot send its next piece for this long is dropped (ms) */
  stallTimeout: number
}

/** How often waiting sessions re-check their streams, whatever drain events say (ms) */
const RECHECK_MS = 50

export class PeerNotReadingError extends Error {
  static override name = 'PeerNotReadingError'
  override name = 'PeerNotReadingError'
}

export interface SendStats {
  /** unsent bytes of all sessions */
  unsentBytes: number
  /** the largest sum over one peer's sessions */
  maxPeerUnsentBytes: number
  /** the largest of one session */
  maxSessionUnsentBytes: number
}

/** What keeps a lease waiting: a budget, what it holds, and when the peer last took a byte of it */
export interface Blocked { by: 'session' | 'peer' | 'node', held: number, progressAt: number }

export class SendBudget {
  private readonly leases = new Set<SendLease>()
  private readonly waiters = new Set<() => void>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (readonly limits: SendLimits) {}

  /** A lease for one session's stream; `release` it when the session ends */
  lease (peer: string, stream: Pick<Stream, 'writeBufferLength' | 'status' | 'addEventListener' | 'removeEventListener'>): SendLease {
    const lease = new SendLease(this, peer, stream)
    this.leases.add(lease)
    return lease
  }

  stats (): SendStats {
    let unsentBytes = 0
    let maxSessionUnsentBytes = 0
    const perPeer = new Map<string, number>()
    for (const lease of this.leases) {
      const held = lease.held()
      unsentBytes += held
      maxSessionUnsentBytes = Math.max(maxSessionUnsentBytes, held)
      perPeer.set(lease.peer, (perPeer.get(lease.peer) ?? 0) + held)
    }
    return { unsentBytes, maxPeerUnsentBytes: Math.max(0, ...perPeer.values()), maxSessionUnsentBytes }
  }

  /**
   * Which budget keeps `lease` from adding `bytes` now, with what that budget holds
   * (a lease holding nothing may always take one piece); undefined when they fit
   */
  blocker (lease: SendLease, bytes: number): Blocked | undefined {
    const { maxUnsentPerSession, maxUnsentPerPeer, maxUnsentBytes } = this.limits
    const now = Date.now()
    lease.observe(now)
    const own = lease.held()
    if (own > 0 && own + bytes > maxUnsentPerSession) return { by: 'session', held: own, progressAt: lease.progressAt }
    let peer = 0
    let total = 0
    let peerProgressAt = 0
    for (const other of this.leases) {
      const held = other.held()
      total += held
      if (other.peer !== lease.peer) continue
      peer += held
      other.observe(now)
      peerProgressAt = Math.max(peerProgressAt, other.progressAt)
    }
    if (peer > 0 && peer + bytes > maxUnsentPerPeer) return { by: 'peer', held: peer, progressAt: peerProgressAt }
    if (total > 0 && total + bytes > maxUnsentBytes) return { by: 'node', held: total, progressAt: now }
    return undefined
  }

  forget (lease: SendLease): void {
    this.leases.delete(lease)
    this.wakeAll()
  }

  wakeAll (): void {
    for (const wake of [...this.waiters]) wake()
  }

  /** Resolves on the next change or re-check tick, whichever comes first */
  async changed (signal: AbortSignal): Promise<void> {
    if (this.timer == null) this.timer = setInterval(() => { this.wakeAll() }, RECHECK_MS)
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (): void => { this.waiters.delete(done); signal.removeEventListener('abort', onAbort); resolve() }
        const onAbort = (): void => { this.waiters.delete(done); reject(new AbortedError('Send aborted')) }
        if (signal.aborted) { onAbort(); return }
        this.waiters.add(done)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      if (this.waiters.size === 0 && this.timer != null) {
        clearInterval(this.timer)
        this.timer = undefined
      }
    }
  }
}

/** One session's share of the budget */
export class SendLease {
  /** bytes taken for a piece that is being read and not yet handed to the stream */
  private reserved = 0
  /** when the peer last took bytes of this stream (its write buffer shrank while open) */
  progressAt = Date.now()
  private lastBuffered = 0
  private readonly onDrain = (): void => { this.budget.wakeAll() }

  constructor (
    private readonly budget: SendBudget,
    readonly peer: string,
    private readonly stream: Pick<Stream, 'writeBufferLength' | 'status' | 'addEventListener' | 'removeEventListener'>
  ) {
    stream.addEventListener('drain', this.onDrain)
    stream.addEventListener('idle', this.onDrain)
  }

  /** Notes progress: the stream's buffer shrank while it is open (an abort empties it too) */
  observe (now: number): void {
    const buffered = this.stream.writeBufferLength
    if (buffered < this.lastBuffered && this.stream.status === 'open') this.progressAt = now
    this.lastBuffered = buffered
  }

  /** Bytes this session holds: reserved plus what its stream has not sent */
  held (): number {
    return this.reserved + this.stream.writeBufferLength
  }

  /**
   * Waits until `bytes` more fit in every budget, then reserves them. While this
   * session's own bytes, or its peer's, sit there untaken the wait is limited to
   * `stallTimeout`: so all sessions of a peer that stopped reading end together.
   * Waiting for other peers to make room in the node's budget is not this peer's
   * fault: it is limited only to twice that (their stuck sessions end before).
   */
  async acquire (bytes: number, signal: AbortSignal): Promise<void> {
    const started = Date.now()
    let waitingSince = started
    const { stallTimeout } = this.budget.limits
    for (let blocked = this.budget.blocker(this, bytes); blocked != null; blocked = this.budget.blocker(this, bytes)) {
      // waiting on other peers restarts the clock; otherwise it runs from the peer's last progress
      if (blocked.by === 'node') waitingSince = Date.now()
      const stuckSince = Math.max(waitingSince, blocked.progressAt)
      // other peers' stuck sessions end within stallTimeout: a wait twice that long is hopeless
      if (Date.now() - stuckSince >= stallTimeout || Date.now() - started >= 2 * stallTimeout) {
        throw new PeerNotReadingError(`Peer took none of ${blocked.held} unsent bytes (${blocked.by}) for ${this.budget.limits.stallTimeout} ms`)
      }
      await this.budget.changed(signal)
    }
    this.reserved += bytes
  }

  /** The reserved bytes were handed to the stream (or dropped) */
  sent (bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes)
    // what we just added is not the peer's doing: measure its progress from here
    this.lastBuffered = this.stream.writeBufferLength
    this.budget.wakeAll()
  }

  release (): void {
    this.stream.removeEventListener('drain', this.onDrain)
    this.stream.removeEventListener('idle', this.onDrain)
    this.reserved = 0
    this.budget.forget(this)
  }
}
