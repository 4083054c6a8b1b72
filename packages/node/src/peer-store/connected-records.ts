/**
 * Keeps the records of connected peers in libp2p's peer store.
 *
 * The store forgets a peer whose record was not written for `maxPeerAge` (libp2p's
 * default, 6 h) once none of its addresses was first seen within `maxAddressAge` (1 h).
 * A connected peer's record used to be written at least once a minute: libp2p's
 * connection monitor pinged through a stream, and every stream merges its protocol into
 * the record (known-protocols.ts lets one merge a minute through). Connections are now
 * kept alive by yamux ping frames (transports/keep-alive.ts), which write nothing, so a
 * connection that carried no stream either way for 6 hours lost its peer's record while
 * it stayed open: the protocols the peer runs (catalog sync pulls only from peers whose
 * record lists the catalog protocol), its tags and its metadata.
 *
 * Every `maxPeerAge / 4` each connected peer's record is merged with nothing: the store
 * stamps it as written and drops only what its reads already hide (addresses first seen
 * over `maxAddressAge` ago, expired tags; libp2p then announces a `peer:update`). A
 * record the store had already forgotten is written anew. One merge at a time, peer
 * after peer: a few hundred every 90 minutes.
 */
import type { ComponentLogger, Connection, Logger, PeerId, PeerStore, Startable } from '@libp2p/interface'

/** How long libp2p's peer store keeps a record not written since (its default, set explicitly so the refresh below follows it) */
export const PEER_RECORD_MAX_AGE_MS = 6 * 60 * 60 * 1000

export interface ConnectedRecordsInit {
  /** the peer store's `maxPeerAge` (ms): records are written again every quarter of it */
  maxPeerAge: number
}

export interface ConnectedRecordsComponents {
  peerStore: Pick<PeerStore, 'merge'>
  connectionManager: { getConnections: () => Connection[] }
  logger: ComponentLogger
}

/** A libp2p service that keeps connected peers' records written (above) */
export function connectedRecords (init: ConnectedRecordsInit): (components: ConnectedRecordsComponents) => Startable {
  return components => new ConnectedRecords(components, init)
}

class ConnectedRecords implements Startable {
  private timer: ReturnType<typeof setInterval> | undefined
  /** the round of merges under way, if any */
  private refreshing: Promise<void> | undefined
  private readonly log: Logger

  constructor (private readonly components: ConnectedRecordsComponents, private readonly init: ConnectedRecordsInit) {
    this.log = components.logger.forComponent('peershare:node:peer-store:connected')
  }

  start (): void {
    this.timer = setInterval(() => { this.refresh() }, Math.max(1, Math.floor(this.init.maxPeerAge / 4)))
    this.timer.unref?.()
  }

  /** Ends the merges: the one under way finishes first, so none writes after the peer store's last flush */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.refreshing
  }

  private refresh (): void {
    // a round that outlasts the interval (a store that stalls) is not stacked on
    if (this.refreshing != null) return
    this.refreshing = this.mergeConnected().finally(() => { this.refreshing = undefined })
  }

  private async mergeConnected (): Promise<void> {
    for (const peer of connectedPeers(this.components.connectionManager.getConnections())) {
      if (this.timer == null) return
      try {
        await this.components.peerStore.merge(peer, {})
      } catch (err) {
        this.log.error('could not write the record of connected peer %p - %e', peer, err)
      }
    }
  }
}

/** Each peer with an open connection, once */
function connectedPeers (connections: Connection[]): PeerId[] {
  const peers = new Map<string, PeerId>()
  for (const connection of connections) {
    if (connection.status === 'open') peers.set(connection.remotePeer.toString(), connection.remotePeer)
  }
  return [...peers.values()]
}
