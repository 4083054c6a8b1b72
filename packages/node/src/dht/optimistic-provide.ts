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
 */
import { createHash } from 'node:crypto'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { MessageType, type QueryEvent } from '@libp2p/kad-dht'
import { pushable } from 'it-pushable'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** What the patch uses of kad-dht's content routing (its implementation; not in its interface types) */
export interface KadContentRouting {
  provide: (key: CID, multiaddrs: Multiaddr[], options?: AbortOptions) => AsyncGenerator<QueryEvent>
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

/** Makes `routing.provide` send records during the walk; returns false (and leaves it alone) if it lacks a part the patch uses */
export function provideOptimistically (routing: Partial<KadContentRouting>): boolean {
  if (!isKadContentRouting(routing)) return false
  routing.provide = async function * (key, multiaddrs, options = {}) {
    yield * optimisticProvide(routing, key, multiaddrs, options)
  }
  return true
}

function isKadContentRouting (r: Partial<KadContentRouting>): r is KadContentRouting {
  return typeof r.provide === 'function' && r.components?.peerId != null && typeof r.providers?.addProvider === 'function' &&
    typeof r.peerRouting?.getClosestPeers === 'function' && typeof r.network?.sendMessage === 'function' &&
    typeof r.routingTable?.kBucketSize === 'number'
}

async function * optimisticProvide (routing: KadContentRouting, key: CID, multiaddrs: Multiaddr[], options: AbortOptions): AsyncGenerator<QueryEvent> {
  const target = key.multihash.bytes
  await routing.providers.addProvider(key, routing.components.peerId, options)
  const message: AddProviderMessage = {
    type: MessageType.ADD_PROVIDER,
    key: target,
    providers: [{ id: routing.components.peerId.toMultihash().bytes, multiaddrs: multiaddrs.map(a => a.bytes) }]
  }
  // the walk's events and the sends', in the order they happened
  const out = pushable<QueryEvent>({ objectMode: true })
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

/** The peers a walk knows of, by XOR distance of their DHT ids (SHA-256 of the peer id) to the key's */
class KnownPeers {
  private readonly target: Uint8Array
  private readonly distances = new Map<string, Uint8Array>()

  constructor (key: Uint8Array, private readonly k: number) {
    this.target = kadId(key)
  }

  see (peer: PeerId): void {
    const id = peer.toString()
    if (!this.distances.has(id)) this.distances.set(id, xor(kadId(peer.toMultihash().bytes), this.target))
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
