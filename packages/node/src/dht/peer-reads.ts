/**
 * The peer store as kad-dht reads it: decoded peers kept for a while. Every FIND_NODE or
 * GET_PROVIDERS this node answers reads each peer it names (up to 20) from the peer
 * store, and first the key itself as a peer id (a file's key never is one: a NotFoundError
 * each time). Each read takes the store's per-peer lock (a queue, an AbortError made
 * ready for every wait), reads the datastore and decodes the record and its addresses
 * anew. In the bench's 100-node swarm those reads were the largest single cost of the
 * busiest process during the start (profile, doc/LIMITS.md).
 *
 * Here a peer read (or found missing) is kept for `ttlMs`, at most `maxEntries` of them
 * (those past their time are dropped as new reads are kept);
 * a change the peer store reports for a peer (`peer:update`: every save, patch and merge
 * that changed it) drops its entry at once, and a read that began before such a change
 * is not kept. Writes and every other call go to the peer store as they are.
 */
import type { Peer, PeerId, PeerInfo, PeerStore, PeerUpdate } from '@libp2p/interface'

export interface PeerReadsInit {
  /** how long a read is kept (ms) */
  ttlMs?: number
  /** most peers kept; the oldest go first */
  maxEntries?: number
  now?: () => number
}

export const PEER_READS_DEFAULTS = Object.freeze({ ttlMs: 10_000, maxEntries: 1024 })

/** Where the peer store reports its changes (libp2p's event target) */
export interface PeerUpdates {
  addEventListener: (type: 'peer:update', listener: (event: CustomEvent<PeerUpdate>) => void) => void
}

/** A read kept: the peer, or undefined when the store had none */
interface Entry { peer: Peer | undefined, at: number }

/** What the peer store throws for a peer it does not hold; kad-dht tests the name */
class NotFoundError extends Error {
  static override name = 'NotFoundError'
  override name = NotFoundError.name
}

export class PeerReads {
  private readonly entries = new Map<string, Entry>()
  /** reads under way, by peer: a change meanwhile replaces the token, and the read is not kept */
  private readonly reading = new Map<string, symbol>()
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly now: () => number
  private hits = 0
  private misses = 0
  /** the peer store seen through the cache: `get` and `getInfo` cached, the rest its own */
  readonly peerStore: PeerStore

  constructor (private readonly inner: PeerStore, updates: PeerUpdates, init: PeerReadsInit = {}) {
    this.ttlMs = init.ttlMs ?? PEER_READS_DEFAULTS.ttlMs
    this.maxEntries = init.maxEntries ?? PEER_READS_DEFAULTS.maxEntries
    this.now = init.now ?? Date.now
    updates.addEventListener('peer:update', event => { this.forget(event.detail.peer.id) })
    const get = this.get.bind(this)
    const getInfo = this.getInfo.bind(this)
    this.peerStore = new Proxy(inner, {
      get (target, prop) {
        if (prop === 'get') return get
        if (prop === 'getInfo') return getInfo
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }

  /** Reads answered from memory and from the peer store */
  stats (): { hits: number, misses: number, kept: number } {
    return { hits: this.hits, misses: this.misses, kept: this.entries.size }
  }

  private async get (peerId: PeerId, options?: Parameters<PeerStore['get']>[1]): Promise<Peer> {
    const key = peerId.toString()
    const entry = this.entries.get(key)
    if (entry != null && this.now() - entry.at < this.ttlMs) {
      this.hits++
      if (entry.peer == null) throw new NotFoundError('Not Found')
      return entry.peer
    }
    this.misses++
    const token = Symbol(key)
    this.reading.set(key, token)
    try {
      const peer = await this.inner.get(peerId, options)
      this.keep(key, token, peer)
      return peer
    } catch (err: any) {
      if (err?.name === 'NotFoundError') this.keep(key, token, undefined)
      throw err
    } finally {
      if (this.reading.get(key) === token) this.reading.delete(key)
    }
  }

  private async getInfo (peerId: PeerId, options?: Parameters<PeerStore['getInfo']>[1]): Promise<PeerInfo> {
    const peer = await this.get(peerId, options)
    return { id: peer.id, multiaddrs: peer.addresses.map(({ multiaddr }) => multiaddr) }
  }

  /** Keeps what a read found, unless the peer changed since the read began */
  private keep (key: string, token: symbol, peer: Peer | undefined): void {
    if (this.reading.get(key) !== token) return
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
    this.reading.delete(key)
  }
}
