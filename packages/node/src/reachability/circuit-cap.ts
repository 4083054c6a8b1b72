/**
 * The relay's cap on relayed connections at once. circuit-relay-v2 caps reservations
 * and each relayed connection's bytes and time, but not how many run together; a
 * relayed connection lives as our outbound STOP stream to its destination, so the live
 * count is the number of those streams. The connection gater asks before each new one.
 */
import type { Libp2p } from '@libp2p/interface'
import { RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2'

export class CircuitCap {
  private libp2p: Pick<Libp2p, 'getConnections'> | undefined
  /** relayed connections refused at the cap since start */
  refused = 0

  constructor (readonly max: number) {}

  /** The node whose connections to count (known once libp2p is created) */
  bind (libp2p: Pick<Libp2p, 'getConnections'>): void {
    this.libp2p = libp2p
  }

  /** Relayed connections running through this node now */
  active (): number {
    let count = 0
    for (const connection of this.libp2p?.getConnections() ?? []) {
      for (const stream of connection.streams) {
        if (stream.protocol === RELAY_V2_STOP_CODEC && stream.direction === 'outbound') count++
      }
    }
    return count
  }

  /** For the connection gater: true refuses a new relayed connection */
  deny (): boolean {
    if (this.active() < this.max) return false
    this.refused++
    return true
  }
}
