/**
 * The liveness check kad-dht makes before a contact enters its routing table, without
 * a round trip for a peer we hold an open connection to. kad-dht 16 pings every new
 * contact (and, when a bucket is full, its oldest ones) through the ping service,
 * even a peer that has just answered one of our queries or connected to us: on a
 * busy node those pings queue behind each other (20 at a time, 100 waiting, the rest
 * refused) while their 5 s timeout runs from the moment they were queued, so peers
 * that were plainly online never entered the table (issue 14). An open connection is
 * proof enough, as in go-libp2p-kad-dht, which adds a peer when it connects or
 * answers; libp2p's connection monitor closes connections that stop answering. A
 * peer we are not connected to is pinged as before (a dial and a round trip).
 */
import { type Connection, isPeerId, type Logger, type PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

/** libp2p's components, read when a ping is asked (the ping service may be created after the DHT) */
export interface ConnectedPingComponents {
  ping: Ping
  /** libp2p's connection manager (@libp2p/interface-internal, not a dependency of ours) */
  connectionManager: { getConnections(peer: PeerId): Array<Pick<Connection, 'status'>> }
}

/** A ping service for kad-dht's routing table: connected peers answer at once (0 ms) */
export function connectedPing (components: ConnectedPingComponents, log: Logger): Ping {
  return {
    async ping (target, options) {
      if (isPeerId(target) && components.connectionManager.getConnections(target).some(c => c.status === 'open')) return 0
      log.trace('pinging %s: not connected', target.toString())
      return components.ping.ping(target, options)
    }
  }
}
