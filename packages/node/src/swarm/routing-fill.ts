/**
 * Fills a DHT's routing table while it is small. kad-dht looks itself up once, a
 * second after start, and then every 5 minutes; a node whose table is still empty at
 * that second (its bootstrap peer not yet identified) finds nobody and keeps only the
 * peers that happen to connect to it: on a loaded machine tables stayed sparse for
 * minutes. Here a peer joining a table below `target` starts self-lookups (the peers
 * closest to our own id; kad-dht adds those it meets), one at a time per DHT, repeated
 * while each one grows the table; then none for `cooldown` ms. A full table costs
 * nothing; in a swarm smaller than `target` a node looks itself up a few times at
 * start and at most once per `cooldown` as peers join.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

/** One DHT as the filler uses it */
export interface FillableDht {
  name: string
  dht: Pick<KadDHT, 'getClosestPeers'>
  routingTableSize(): number
  /** calls `listener` each time a peer joins the routing table; returns the unsubscribe */
  onPeerAdded(listener: () => void): () => void
}

export interface RoutingFillInit {
  /** the table size at which lookups stop (kad-dht's bucket size, 20) */
  target: number
  /** how long one self-lookup may run (ms) */
  lookupTimeout: number
  /** after a round of lookups, peers joining start no new round for this long (ms) */
  cooldown: number
}

export class RoutingFill {
  private readonly stopping = new AbortController()
  private unsubscribe: (() => void) | undefined
  private running = false
  /** when the last round of lookups ended */
  private ended = Number.NEGATIVE_INFINITY
  /** self-lookups run so far (status and tests) */
  lookups = 0

  constructor (private readonly components: { table: FillableDht, self: PeerId, log: Logger }, private readonly init: RoutingFillInit) {}

  start (): void {
    this.unsubscribe = this.components.table.onPeerAdded(this.peerAdded)
  }

  stop (): void {
    this.unsubscribe?.()
    this.stopping.abort()
  }

  private readonly peerAdded = (): void => {
    if (this.stopping.signal.aborted || this.full() || this.running || Date.now() - this.ended < this.init.cooldown) return
    void this.fill()
  }

  private full (): boolean {
    return this.components.table.routingTableSize() >= this.init.target
  }

  /** Self-lookups until the table is full or one did not grow it */
  private async fill (): Promise<void> {
    const { table, self, log } = this.components
    this.running = true
    try {
      let before: number
      do {
        before = table.routingTableSize()
        this.lookups++
        const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.init.lookupTimeout)])
        try {
          for await (const _ of table.dht.getClosestPeers(self.toMultihash().bytes, { signal })) { /* kad-dht adds the peers it meets */ }
        } catch (err: any) {
          if (!this.stopping.signal.aborted) log('self-lookup in the %s DHT ended: %s', table.name, err.message)
        }
      } while (table.routingTableSize() > before && !this.full() && !this.stopping.signal.aborted)
    } finally {
      this.running = false
      this.ended = Date.now()
    }
  }
}
