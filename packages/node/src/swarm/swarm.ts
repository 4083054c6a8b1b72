/**
 * Swarm membership beyond what libp2p does by itself: at start, dial peers remembered
 * in the persisted peer store (so a restarted node rejoins without bootstrap peers);
 * dial peers discovered on the LAN while we have few connections; list connected
 * peers with their latency; refresh each DHT's routing table early on, as it fills
 * (table-refresh.ts); identify again a peer whose identify failed (identify-again.ts).
 * While connected to nobody it says why, as far as it knows (`isolation`): each
 * bootstrap peer's last dial failure, the peers it remembers, whether mDNS looks on the
 * LAN, and tells listeners once per spell (the daemon prints it).
 */
import type { Libp2p, Logger, PeerId, PeerInfo } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { IsolatedStatus, PeerEntry } from '@peershare/client'
import { PeerUnreachableError } from '../errors.js'
import { withTimeout } from '../signals.js'
import { IdentifyAgain, identifiedBefore } from './identify-again.js'
import { TableRefresher } from './table-refresh.js'

export interface SwarmComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'peerStore' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  ping: Pick<Ping, 'ping'>
  /** libp2p's identify service: a connection whose identify failed is identified again (identify-again.ts) */
  identify: Pick<Identify, 'identify'>
  /** the LAN and the public DHT, with their routing tables' sizes */
  dhts: Array<{ dht: Pick<KadDHT, 'refreshRoutingTable'>, routingTableSize: () => number }>
  log: Logger
}

/** The multicodec of /p2p/<peer id> */
const P2P_CODE = 421

export interface SwarmInit {
  bootstrap: string[]
  /** whether mDNS looks for peers on the LAN (said when connected to nobody) */
  mdns: boolean
  rejoinInterval: number
  reconnectPeers: number
  minConnections: number
  dialTimeout: number
}

export type { IsolatedStatus, PeerEntry }

/** Told when the node finds itself connected to nobody after trying (the status then), and when it has a peer again (undefined) */
export type IsolationListener = (isolated: IsolatedStatus | undefined) => void

export class Swarm {
  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => { void this.maybeDial(evt.detail.id) }
  private readonly onConnect = (evt: CustomEvent<PeerId>): void => { this.connected(evt.detail) }
  private rejoinTimer: ReturnType<typeof setInterval> | undefined
  /** early refreshes of each DHT's routing table, as it fills (table-refresh.ts) */
  private readonly refreshers: TableRefresher[]
  /** connections whose identify failed, identified again (identify-again.ts) */
  private readonly identifyAgain: IdentifyAgain
  /** each bootstrap address with the peer id in it (a peer may be given at several addresses) */
  private readonly bootstrap: Array<{ address: string, peer: string }> = []
  /** why the last dial of a bootstrap address failed; cleared when its peer connects */
  private readonly bootstrapFailures = new Map<string, string>()
  private readonly isolationListeners = new Set<IsolationListener>()
  /** listeners were told this node is connected to nobody, and not yet that it has a peer again */
  private toldIsolated = false

  constructor (private readonly components: SwarmComponents, private readonly init: SwarmInit) {
    this.refreshers = components.dhts.map(({ dht, routingTableSize }) => new TableRefresher({
      size: routingTableSize,
      refresh: () => { dht.refreshRoutingTable().catch((err: Error) => { components.log('routing table refresh failed: %s', err.message) }) }
    }, components.log))
    this.identifyAgain = new IdentifyAgain({
      getConnections: () => components.libp2p.getConnections(),
      identifiedBefore: async peer => identifiedBefore(components.libp2p.peerStore, peer),
      identify: async connection => components.identify.identify(connection),
      log: components.log
    })
    for (const address of init.bootstrap) {
      const peer = multiaddr(address).getComponents().findLast(c => c.name === 'p2p')?.value
      if (peer != null) this.bootstrap.push({ address, peer })
    }
  }

  start (): void {
    this.components.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    this.components.libp2p.addEventListener('peer:connect', this.onConnect)
    void this.reconnect()
    for (const refresher of this.refreshers) refresher.start()
    // a node cut off from everyone (bootstrap dial refused, network down) keeps trying;
    // one whose identify of a peer failed asks again
    this.rejoinTimer = setInterval(() => {
      if (this.components.libp2p.getConnections().length === 0) void this.rejoin()
      else void this.identifyAgain.check()
    }, this.init.rejoinInterval)
    this.rejoinTimer.unref()
  }

  stop (): void {
    clearInterval(this.rejoinTimer)
    for (const refresher of this.refreshers) refresher.stop()
    this.components.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    this.components.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.isolationListeners.clear()
  }

  /**
   * Why this node is connected to no peer, as far as it knows; undefined while it has
   * one. A newcomer whose only bootstrap peer is down otherwise just finds nothing.
   */
  async isolation (): Promise<IsolatedStatus | undefined> {
    const { libp2p } = this.components
    if (libp2p.getConnections().length > 0) return undefined
    // the bootstrap peers are in the peer store too: counted apart
    const bootstrapPeers = new Set(this.bootstrap.map(b => b.peer))
    const remembered = (await libp2p.peerStore.all()).filter(p => p.addresses.length > 0 && !p.id.equals(libp2p.peerId) && !bootstrapPeers.has(p.id.toString())).length
    // a peer connected while the store was read
    if (libp2p.getConnections().length > 0) return undefined
    return {
      bootstrap: this.bootstrap.map(({ address }) => {
        const error = this.bootstrapFailures.get(address)
        return error == null ? { address } : { address, error }
      }),
      remembered,
      mdns: this.init.mdns,
      retryInterval: this.init.rejoinInterval
    }
  }

  /** Listens for the node finding itself connected to nobody after a round of dials, and for its first peer after that */
  onIsolation (listener: IsolationListener): () => void {
    this.isolationListeners.add(listener)
    return () => this.isolationListeners.delete(listener)
  }

  private connected (peer: PeerId): void {
    for (const { address } of this.bootstrap.filter(b => b.peer === peer.toString())) this.bootstrapFailures.delete(address)
    if (!this.toldIsolated) return
    this.toldIsolated = false
    this.tell(undefined)
  }

  /**
   * After a round of dials: still nobody, so listeners are told (once a spell). Not a
   * node given nobody to dial (the first of a swarm, or one waiting on mDNS): that is
   * its owner's choice, and `status` still says it
   */
  private async checkIsolated (): Promise<void> {
    if (this.toldIsolated || this.isolationListeners.size === 0) return
    const isolated = await this.isolation()
    if (isolated == null || this.toldIsolated || (isolated.bootstrap.length === 0 && isolated.remembered === 0)) return
    this.toldIsolated = true
    this.tell(isolated)
  }

  private tell (isolated: IsolatedStatus | undefined): void {
    for (const listener of this.isolationListeners) {
      try {
        listener(isolated)
      } catch (err: any) {
        // a listener failing (its output closed) must not break the swarm's loop
        this.components.log('an isolation listener failed: %s', err?.message)
      }
    }
  }

  /**
   * Remembers why a bootstrap peer could not be dialled, for `isolation`: at `address`,
   * or at each of its addresses when libp2p dialled the peer by id
   */
  private dialFailed (target: { peer: string } | { address: string }, err: any): void {
    const addresses = 'address' in target ? [target.address] : this.bootstrap.filter(b => b.peer === target.peer).map(b => b.address)
    // libp2p says "All multiaddr dials failed" and keeps the reasons inside
    const reasons: unknown[] = Array.isArray(err?.errors) ? err.errors : []
    const first = reasons.find((e): e is Error => e instanceof Error)
    for (const address of addresses) this.bootstrapFailures.set(address, (first ?? err)?.message ?? String(err))
  }

  private async rejoin (): Promise<void> {
    this.components.log('no connections: dialling bootstrap and remembered peers')
    await Promise.allSettled(this.bootstrap.map(async ({ address }) => this.connect(multiaddr(address)).catch((err: any) => { this.dialFailed({ address }, err.cause ?? err) })))
    await this.reconnect()
    await this.checkIsolated()
  }

  /**
   * Dials this very address and returns the peer that answered. Without /p2p/<peer id>
   * the peer's identity is learned in the handshake. With one, a connection to that
   * peer over another address does not count (libp2p would reuse it): the address
   * itself is dialled, so an address that does not answer fails.
   */
  async connect (addr: Multiaddr, signal?: AbortSignal): Promise<PeerId> {
    const { libp2p } = this.components
    const peer = addr.getComponents().findLast(c => c.name === 'p2p')?.value
    const existing = peer == null ? [] : libp2p.getConnections().filter(c => c.remotePeer.toString() === peer)
    const transport = addr.decapsulateCode(P2P_CODE)
    const same = existing.find(c => c.remoteAddr.decapsulateCode(P2P_CODE).equals(transport))
    if (same != null) return same.remotePeer
    try {
      const connection = await libp2p.dial(addr, { signal: withTimeout(this.init.dialTimeout, signal), force: existing.length > 0 })
      return connection.remotePeer
    } catch (err: any) {
      if (signal?.aborted === true) throw err
      throw new PeerUnreachableError(`Cannot connect to ${addr.toString()}: ${err.message}`, { cause: err })
    }
  }

  /** Connected peers with their addresses and measured latency */
  async peers (signal?: AbortSignal): Promise<PeerEntry[]> {
    const byPeer = new Map<string, PeerEntry & { id: PeerId }>()
    for (const conn of this.components.libp2p.getConnections()) {
      const key = conn.remotePeer.toString()
      const entry = byPeer.get(key) ?? { id: conn.remotePeer, peerId: key, addresses: [] }
      entry.addresses.push(conn.remoteAddr.toString())
      byPeer.set(key, entry)
    }
    return Promise.all([...byPeer.values()].map(async ({ id, ...entry }) => {
      const latencyMs = await this.components.ping.ping(id, { signal: withTimeout(5000, signal) }).catch((err: Error) => {
        this.components.log('ping %p failed: %s', id, err.message)
        return undefined
      })
      return latencyMs == null ? entry : { ...entry, latencyMs: Math.round(latencyMs) }
    }))
  }

  /** Dials up to `reconnectPeers` of the peers we remember (in peer store order) */
  private async reconnect (): Promise<void> {
    const { libp2p, log } = this.components
    const known = (await libp2p.peerStore.all()).filter(p => p.addresses.length > 0 && !p.id.equals(libp2p.peerId))
    const chosen = known.slice(0, this.init.reconnectPeers)
    await Promise.allSettled(chosen.map(async peer => this.dial(peer.id)))
    log('reconnected to %d of %d remembered peers', libp2p.getConnections().length, chosen.length)
  }

  private async maybeDial (peer: PeerId): Promise<void> {
    if (this.components.libp2p.getConnections().length >= this.init.minConnections) return
    if (this.components.libp2p.getConnections(peer).length > 0) return
    await this.dial(peer)
  }

  private async dial (peer: PeerId): Promise<void> {
    try {
      await this.components.libp2p.dial(peer, { signal: AbortSignal.timeout(this.init.dialTimeout) })
    } catch (err: any) {
      this.components.log('dial %p failed: %s', peer, err.message)
      this.dialFailed({ peer: peer.toString() }, err)
    }
  }
}
