/**
 * Swarm membership beyond what libp2p does by itself: at start, dial peers remembered
 * in the persisted peer store (so a restarted node rejoins without bootstrap peers);
 * dial peers discovered on the LAN while we have few connections; list connected
 * peers with their latency.
 */
import type { Libp2p, Logger, PeerId, PeerInfo } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { PeerEntry } from '@peershare/client'
import { PeerUnreachableError } from '../errors.js'
import { withTimeout } from '../signals.js'

export interface SwarmComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'peerStore' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  ping: Pick<Ping, 'ping'>
  /** the LAN and the public DHT */
  dhts: Array<Pick<KadDHT, 'refreshRoutingTable'>>
  log: Logger
}

/** The multicodec of /p2p/<peer id> */
const P2P_CODE = 421

/** When, after start, the DHT routing tables are refreshed (ms) */
const REFRESH_DELAYS_MS = [5_000, 20_000, 60_000]

export interface SwarmInit {
  bootstrap: string[]
  rejoinInterval: number
  reconnectPeers: number
  minConnections: number
  dialTimeout: number
}

export type { PeerEntry }

export class Swarm {
  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => { void this.maybeDial(evt.detail.id) }
  private rejoinTimer: ReturnType<typeof setInterval> | undefined
  private readonly refreshTimers: Array<ReturnType<typeof setTimeout>> = []

  constructor (private readonly components: SwarmComponents, private readonly init: SwarmInit) {}

  start (): void {
    this.components.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    void this.reconnect()
    this.scheduleRefreshes()
    // a node cut off from everyone (bootstrap dial refused, network down) keeps trying
    this.rejoinTimer = setInterval(() => {
      if (this.components.libp2p.getConnections().length === 0) void this.rejoin()
    }, this.init.rejoinInterval)
    this.rejoinTimer.unref()
  }

  stop (): void {
    clearInterval(this.rejoinTimer)
    for (const timer of this.refreshTimers) clearTimeout(timer)
    this.components.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
  }

  /**
   * kad-dht looks itself up once, a second after start, then every few minutes: a node
   * that joined through one bootstrap peer can sit with a near-empty routing table. Refresh
   * it a few times early on, while peers are still arriving (both DHTs).
   */
  private scheduleRefreshes (): void {
    for (const delay of REFRESH_DELAYS_MS) {
      const timer = setTimeout(() => {
        for (const dht of this.components.dhts) {
          dht.refreshRoutingTable().catch((err: Error) => { this.components.log('routing table refresh failed: %s', err.message) })
        }
      }, delay)
      timer.unref()
      this.refreshTimers.push(timer)
    }
  }

  private async rejoin (): Promise<void> {
    this.components.log('no connections: dialling bootstrap and remembered peers')
    await Promise.allSettled(this.init.bootstrap.map(async addr => this.connect(multiaddr(addr)).catch(() => undefined)))
    await this.reconnect()
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
      throw new PeerUnreachableError(`Cannot connect to ${addr.toString()}: ${err.message}`)
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
    }
  }
}
