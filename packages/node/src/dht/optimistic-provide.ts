/**
 * A provide that hands out its record while it walks ("optimistic provide", as Kubo's
 * experimental `OptimisticProvide` after ProbeLab's measurements). kad-dht's provide walks
 * to the key's 20 closest peers and sends them the record only once the whole walk has
 * ended, so every provide lasted as long as the walk's slowest answer: in the 100-node
 * bench the walk was about 90% of a provide (1.3–3.1 s of 1.6–3.2 s, DEBUG logs of
 * `peershare:node:index`), while a lookup finds the record as soon as a few of the closest
 * peers hold it.
 *
 * Here a peer that answers the walk and is then among the K closest peers the walk knows
 * of (answered, asked or named in an answer) gets the record at once; when the walk
 * ends, those of the final K closest that have not got it get it. Each peer gets it at
 * most once. A peer a closer one displaces later keeps a record it is near enough to be
 * asked for. The rest is kad-dht's: its own provider record stored first (what the
 * reprovider republishes, through this same provide), its network, timeouts and events.
 *
 * A provide right after a provider lookup of the same key walks nothing: a download
 * looks its file up, then provides it once complete, and the lookup's walk (GET_PROVIDERS
 * goes to the same peers, by the same rules, as FIND_NODE) has just found the key's
 * closest peers. Those that answered a lookup that walked to its end (not stopped by its
 * reader, not ended by 20 providers found) within RECENT_WALK_MS get the record at once.
 * In the 20-node bench a get's walks were 112 DHT requests, 27 of them this FIND_NODE walk.
 */
import { createHash } from 'node:crypto'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { MessageType, type QueryEvent } from '@libp2p/kad-dht'
import { pushable } from 'it-pushable'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { untilAborted, withTimeout } from '../signals.js'
import { bytesKey } from './bytes-key.js'
import { PROVIDE_STORED_ENOUGH } from './file-index.js'

/** What the patch uses of kad-dht's content routing (its implementation; not in its interface types) */
export interface KadContentRouting {
  provide: (key: CID, multiaddrs: Multiaddr[], options?: AbortOptions) => AsyncGenerator<QueryEvent>
  findProviders: (key: CID, options?: AbortOptions) => AsyncGenerator<QueryEvent>
  components: { peerId: PeerId }
  providers: { addProvider: (key: CID, provider: PeerId, options?: AbortOptions) => Promise<void> }
  peerRouting: { getClosestPeers: (key: Uint8Array, options?: AbortOptions) => AsyncGenerator<QueryEvent> }
  network: { sendMessage: (to: PeerId, msg: AddProviderMessage, options?: AbortOptions) => AsyncGenerator<QueryEvent> }
  routingTable: { kBucketSize: number }
}

interface AddProviderMessage {
  type: MessageType
  key: Uint8Array
  providers: Array<{ id: Uint8Array, multiaddrs: Uint8Array[] }>
}

/** How long the closest peers a lookup's walk found stand in for a provide's walk of the same key */
export const RECENT_WALK_MS = 60_000
/** Keys whose last lookup's closest peers are kept at most (the oldest goes first) */
const MAX_RECENT_WALKS = 256
/**
 * Longest a provide waits for a lookup of its key still walking (a download's, whose file
 * is complete) before it walks itself: a LAN walk ends well within it, and a public one
 * running longer costs the announcement no more than this
 */
export const RUNNING_WALK_WAIT_MS = 2_000

/**
 * Makes `routing.provide` send records during the walk, or with none right after a lookup
 * of the key (`routing.findProviders` then notes the closest peers it found); returns
 * false (and leaves it alone) if it lacks a part the patch uses
 */
export function provideOptimistically (routing: Partial<KadContentRouting>): boolean {
  if (!isKadContentRouting(routing)) return false
  const walks = new RecentWalks(routing.routingTable.kBucketSize)
  const findProviders = routing.findProviders.bind(routing)
  routing.findProviders = async function * (key, options = {}) {
    yield * walks.noted(key, findProviders(key, options), routing.components.peerId, options.signal)
  }
  routing.provide = async function * (key, multiaddrs, options = {}) {
    // our own record first, as kad-dht's provide stores it (what the reprovider republishes): once, whichever way the records go
    await routing.providers.addProvider(key, routing.components.peerId, options)
    const closest = await walks.take(key, options.signal)
    yield * (closest == null ? optimisticProvide(routing, key, multiaddrs, options) : provideTo(routing, closest, key, multiaddrs, options))
  }
  return true
}

function isKadContentRouting (r: Partial<KadContentRouting>): r is KadContentRouting {
  return typeof r.provide === 'function' && typeof r.findProviders === 'function' && r.components?.peerId != null && typeof r.providers?.addProvider === 'function' &&
    typeof r.peerRouting?.getClosestPeers === 'function' && typeof r.network?.sendMessage === 'function' &&
    typeof r.routingTable?.kBucketSize === 'number'
}

/** The sends of a provide's records (ADD_PROVIDER), each peer's once, their events pushed to `out` as they happen */
function recordSender (routing: KadContentRouting, key: CID, multiaddrs: Multiaddr[], options: AbortOptions, out: { push: (event: QueryEvent) => void }): { send: (peer: PeerId) => void, sends: Array<Promise<void>> } {
  const message: AddProviderMessage = {
    type: MessageType.ADD_PROVIDER,
    key: key.multihash.bytes,
    providers: [{ id: routing.components.peerId.toMultihash().bytes, multiaddrs: multiaddrs.map(a => a.bytes) }]
  }
  const sent = new Set<string>()
  const sends: Array<Promise<void>> = []
  const send = (peer: PeerId): void => {
    const id = peer.toString()
    if (sent.has(id)) return
    sent.add(id)
    sends.push((async () => {
      for await (const event of routing.network.sendMessage(peer, message, options)) out.push(event)
    })().catch(() => { /* sendMessage reports its failures as QUERY_ERROR events */ }))
  }
  return { send, sends }
}

/**
 * A provide to the closest peers a lookup of the key has just found: no walk, unless
 * fewer than PROVIDE_STORED_ENOUGH of them (or all, when fewer) took the record (they
 * left since): then the provide walks as any other
 */
async function * provideTo (routing: KadContentRouting, closest: PeerId[], key: CID, multiaddrs: Multiaddr[], options: AbortOptions): AsyncGenerator<QueryEvent> {
  const out = pushable<QueryEvent>({ objectMode: true })
  const { send, sends } = recordSender(routing, key, multiaddrs, options, out)
  for (const peer of closest) send(peer)
  const done = Promise.all(sends).finally(() => { out.end() })
  done.catch(() => {})
  let stored = 0
  for await (const event of out) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') stored++
    yield event
  }
  await done
  if (stored < Math.min(PROVIDE_STORED_ENOUGH, closest.length)) yield * optimisticProvide(routing, key, multiaddrs, options)
}

async function * optimisticProvide (routing: KadContentRouting, key: CID, multiaddrs: Multiaddr[], options: AbortOptions): AsyncGenerator<QueryEvent> {
  const target = key.multihash.bytes
  // the walk's events and the sends', in the order they happened
  const out = pushable<QueryEvent>({ objectMode: true })
  const { send, sends } = recordSender(routing, key, multiaddrs, options, out)
  const known = new KnownPeers(target, routing.routingTable.kBucketSize)
  const walk = (async () => {
    for await (const event of routing.peerRouting.getClosestPeers(target, options)) {
      out.push(event)
      if (event.name === 'SEND_QUERY') known.see(event.to)
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'FIND_NODE') {
        for (const peer of event.closer) known.see(peer.id)
        if (known.amongClosest(event.from)) send(event.from)
      }
      if (event.name === 'FINAL_PEER') send(event.peer.id)
    }
  })()
  const done = walk.then(async () => {
    // sends started by the walk's last events are in `sends` once it ended
    await Promise.all(sends)
  }).finally(() => { out.end() })
  done.catch(() => {})
  yield * out
  await done
}

/**
 * The closest peers of the provider lookups that walked to their end, by key, for
 * RECENT_WALK_MS: what a provide of the key right after sends its records to (once)
 */
class RecentWalks {
  private readonly walks = new Map<string, { at: number, closest: PeerId[] }>()
  /** lookups walking now, by key: each settles when its lookup ends, however it ends */
  private readonly running = new Map<string, Set<Promise<void>>>()

  constructor (private readonly k: number) {}

  /** `lookup`'s events, passed on; the peers that answered are noted if it walks to its end */
  async * noted (key: CID, lookup: AsyncGenerator<QueryEvent>, self: PeerId, signal?: AbortSignal): AsyncGenerator<QueryEvent> {
    const id = walkKey(key)
    const ended = Promise.withResolvers<void>()
    const running = this.running.get(id) ?? new Set()
    running.add(ended.promise)
    this.running.set(id, running)
    try {
      const answered = new KnownPeers(key.multihash.bytes, this.k)
      let providers = 0
      for await (const event of lookup) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'GET_PROVIDERS' && !event.from.equals(self)) answered.see(event.from)
        if (event.name === 'PROVIDER') providers += event.providers.length
        yield event
      }
      // here only when the lookup ended by itself (a reader that stopped ends it at its `yield`); with K
      // providers found kad-dht ends it before the walk did; aborted, its paths may end quietly
      if (providers >= this.k || answered.size === 0 || signal?.aborted === true) return
      this.walks.delete(id)
      this.walks.set(id, { at: Date.now(), closest: answered.closest() })
      if (this.walks.size > MAX_RECENT_WALKS) this.walks.delete(this.walks.keys().next().value as string)
    } finally {
      running.delete(ended.promise)
      if (running.size === 0 && this.running.get(id) === running) this.running.delete(id)
      ended.resolve()
    }
  }

  /**
   * The closest peers of a lookup of `key` within RECENT_WALK_MS, once: a later provide
   * walks. The lookups of it still walking (a download's, its file complete) are waited
   * for, up to RUNNING_WALK_WAIT_MS. A provide aborted meanwhile takes nothing.
   */
  async take (key: CID, signal?: AbortSignal): Promise<PeerId[] | undefined> {
    const id = walkKey(key)
    const running = this.running.get(id)
    if (running != null) {
      await untilAborted(Promise.all(running), withTimeout(RUNNING_WALK_WAIT_MS, signal)).catch(() => {})
    }
    if (signal?.aborted === true) return undefined
    const walk = this.walks.get(id)
    this.walks.delete(id)
    return walk == null || Date.now() - walk.at > RECENT_WALK_MS ? undefined : walk.closest
  }
}

/** A key as the DHT walks it: its multihash (a CID's version and codec do not change the walk) */
function walkKey (key: CID): string {
  return bytesKey(key.multihash.bytes)
}

/** The peers a walk knows of, by XOR distance of their DHT ids (SHA-256 of the peer id) to the key's */
class KnownPeers {
  private readonly target: Uint8Array
  private readonly distances = new Map<string, Uint8Array>()
  private readonly peers = new Map<string, PeerId>()

  constructor (key: Uint8Array, private readonly k: number) {
    this.target = kadId(key)
  }

  get size (): number {
    return this.peers.size
  }

  see (peer: PeerId): void {
    const id = peer.toString()
    if (this.distances.has(id)) return
    this.distances.set(id, xor(kadId(peer.toMultihash().bytes), this.target))
    this.peers.set(id, peer)
  }

  /** The K closest of them */
  closest (): PeerId[] {
    return [...this.peers.keys()]
      .sort((a, b) => Buffer.compare(this.distances.get(a) as Uint8Array, this.distances.get(b) as Uint8Array))
      .slice(0, this.k)
      .map(id => this.peers.get(id) as PeerId)
  }

  /** Whether fewer than K known peers are closer to the key than `peer` */
  amongClosest (peer: PeerId): boolean {
    this.see(peer)
    const own = this.distances.get(peer.toString()) as Uint8Array
    let closer = 0
    for (const distance of this.distances.values()) {
      if (Buffer.compare(distance, own) < 0 && ++closer >= this.k) return false
    }
    return true
  }
}

function kadId (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

function xor (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}
