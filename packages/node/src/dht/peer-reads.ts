/**
 * The peer store as kad-dht reads it: decoded peers kept for a while. Every FIND_NODE or
 * GET_PROVIDERS this node answers reads each peer it names (up to 20) from the peer
 * store, and a FIND_NODE first reads its key as a peer id (a file's key never is one).
 * Each read takes the store's per-peer lock (a queue, an AbortError made ready for every
 * wait), reads the datastore and decodes the record and its addresses anew. In the
 * bench's 100-node swarm those reads were the largest single cost of the busiest process
 * during the start (profile, doc/LIMITS.md).
 *
 * Here a peer read is kept for `ttlMs`, at most `maxEntries` of them (those past their
 * time are dropped as new reads are kept); reads of one peer under way at once share one
 * read of the store, made without any caller's signal (each caller gives up alone). A peer the store lacks is not kept: anyone can make a node look up
 * keys that are no peer, and those must not push real peers out. A change the peer store
 * reports (`peer:update`, `self:peer:update`: every save, patch and merge that changed
 * the peer) or a delete through this view drops the peer's entry at once, and a read
 * begun before it is not kept. Writes and every other call go to the peer store as they are.
 */
import type { Peer, PeerId, PeerInfo, PeerStore, PeerUpdate } from '@libp2p/interface'
import { untilAborted } from '../signals.js'

export interface PeerReadsInit {
  /** how long a read is kept (ms) */
  ttlMs?: number
  /** most peers kept; the oldest go first */
  maxEntries?: number
  /** a monotonic clock in ms */
  now?: () => number
}

export const PEER_READS_DEFAULTS = Object.freeze({ ttlMs: 10_000, maxEntries: 1024 })

/** Where the peer store reports its changes (libp2p's event target) */
export interface PeerUpdates {
  addEventListener: (type: 'peer:update' | 'self:peer:update', listener: (event: CustomEvent<PeerUpdate>) => void) => void
}

export class PeerReads {
  private readonly entries = new Map<string, { peer: Peer, at: number }>()
  /** the read of the store under way per peer; a change marks it stale (not kept) and takes it out (not joined) */
  private readonly reading = new Map<string, { read: Promise<Peer>, stale: boolean }>()
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly now: () => number
  private hits = 0
  private misses = 0
  /** the peer store seen through the cache: `get` and `getInfo` cached, `delete` forgets, the rest its own */
  readonly peerStore: PeerStore

  constructor (inner: PeerStore, updates: PeerUpdates, init: PeerReadsInit = {}) {
    this.ttlMs = init.ttlMs ?? PEER_READS_DEFAULTS.ttlMs
    this.maxEntries = init.maxEntries ?? PEER_READS_DEFAULTS.maxEntries
    this.now = init.now ?? (() => performance.now())
    const forget = (event: CustomEvent<PeerUpdate>): void => { this.forget(event.detail.peer.id) }
    updates.addEventListener('peer:update', forget)
    updates.addEventListener('self:peer:update', forget)
    const own: Partial<PeerStore> = {
      get: async (peerId, options) => this.get(inner, peerId, options),
      getInfo: async (peerId, options) => this.getInfo(inner, peerId, options),
      delete: async (peerId, options) => {
        this.forget(peerId)
        try {
          await inner.delete(peerId, options)
        } finally {
          this.forget(peerId)
        }
      }
    }
    const bound = new Map<PropertyKey, unknown>()
    this.peerStore = new Proxy(inner, {
      get (target, prop) {
        if (Object.hasOwn(own, prop)) return own[prop as keyof PeerStore]
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        // the store's methods use its private fields: called on the store itself
        if (!bound.has(prop)) bound.set(prop, value.bind(target))
        return bound.get(prop)
      }
    })
  }

  /** Reads answered from memory and from the peer store, and the peers kept */
  stats (): { hits: number, misses: number, kept: number } {
    return { hits: this.hits, misses: this.misses, kept: this.entries.size }
  }

  private async get (inner: PeerStore, peerId: PeerId, options?: Parameters<PeerStore['get']>[1]): Promise<Peer> {
    const key = peerId.toString()
    const entry = this.entries.get(key)
    if (entry != null && this.now() - entry.at < this.ttlMs) {
      this.hits++
      return entry.peer
    }
    this.misses++
    const running = this.reading.get(key)
    if (running != null) return untilAborted(running.read, options?.signal)
    // read without the caller's signal: other reads join this one, and one caller giving up must not fail theirs
    const mine = { read: inner.get(peerId), stale: false }
    mine.read = mine.read.then(peer => {
      if (!mine.stale) this.keep(key, peer)
      return peer
    })
    this.reading.set(key, mine)
    const done = (): void => {
      if (this.reading.get(key) === mine) this.reading.delete(key)
    }
    mine.read.then(done, done)
    return untilAborted(mine.read, options?.signal)
  }

  private async getInfo (inner: PeerStore, peerId: PeerId, options?: Parameters<PeerStore['getInfo']>[1]): Promise<PeerInfo> {
    const peer = await this.get(inner, peerId, options)
    return { id: peer.id, multiaddrs: peer.addresses.map(({ multiaddr }) => multiaddr) }
  }

  private keep (key: string, peer: Peer): void {
    const now = this.now()
    this.entries.delete(key)
    this.entries.set(key, { peer, at: now })
    // Map order is insertion order: the first entry is the oldest read; those past their time go too
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - entry.at < this.ttlMs) break
      this.entries.delete(oldest)
    }
  }

  private forget (peer: PeerId): void {
    const key = peer.toString()
    this.entries.delete(key)
    // a read under way began before this change: it is not kept, and later reads do not join it
    const running = this.reading.get(key)
    if (running == null) return
    running.stale = true
    this.reading.delete(key)
  }
}
