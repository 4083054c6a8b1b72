/**
 * A connection whose identify failed is identified once more. libp2p runs identify once,
 * when a connection opens, and gives it 5 s; when that fails (a busy machine, a peer
 * still starting) nothing asks again, so the peer's protocols stay unknown and no service
 * hears of it: kad-dht adds a peer to its routing table only when identify lists the DHT
 * protocol. In the bench's 100-node start some nodes sat with an empty routing table for
 * minutes, connected to their bootstrap peer and to nobody else: their table refreshes
 * wait for a first peer that never came, and no peer named them. A connection open for
 * `graceMs` to a peer identify never completed with is identified again, once. Known
 * protocols do not tell: libp2p adds a protocol to the peer's record whenever a stream of
 * it opens, identify or not; the agent version only identify records.
 */
import type { Connection, PeerId, PeerStore } from '@libp2p/interface'

/** What identify stores in a peer's record, and nothing else does */
const IDENTIFY_AGENT_KEY = 'AgentVersion'

/** Whether identify ever completed with `peer` (its record holds the agent version); throws, as the peer store does, without a record */
export async function identifiedBefore (peerStore: Pick<PeerStore, 'get'>, peer: PeerId): Promise<boolean> {
  return (await peerStore.get(peer)).metadata.has(IDENTIFY_AGENT_KEY)
}

/** What identifying again uses of libp2p */
export interface IdentifyAgainComponents {
  getConnections: () => Connection[]
  /** whether identify ever completed with `peer` (its record holds the agent version identify stores) */
  identifiedBefore: (peer: PeerId) => Promise<boolean>
  /** runs identify on `connection` (the identify service's `identify`: it updates the peer store and tells the services) */
  identify: (connection: Connection) => Promise<unknown>
  log: (msg: string, ...args: unknown[]) => void
}

/** How long a connection is left to libp2p's own identify (5 s) before it is checked */
export const IDENTIFY_GRACE_MS = 15_000

export class IdentifyAgain {
  /** connections checked already: each is checked (and identified again) at most once */
  private readonly checked = new WeakSet<Connection>()
  /** connections identified again */
  private count = 0

  constructor (private readonly components: IdentifyAgainComponents, private readonly graceMs = IDENTIFY_GRACE_MS) {}

  /** Identifies again each open connection older than the grace to a peer never identified; resolves once those identifies ended */
  async check (now = Date.now()): Promise<void> {
    const due = this.components.getConnections().filter(c => c.status === 'open' && !this.checked.has(c) && now - c.timeline.open >= this.graceMs)
    for (const connection of due) this.checked.add(connection)
    await Promise.all(due.map(async connection => this.checkOne(connection)))
  }

  /** How many connections were identified again */
  get identifiedAgain (): number {
    return this.count
  }

  private async checkOne (connection: Connection): Promise<void> {
    const { components } = this
    if (await components.identifiedBefore(connection.remotePeer).catch(() => false)) return
    this.count++
    try {
      await components.identify(connection)
      components.log('identified %p again: its first identify had failed', connection.remotePeer)
    } catch (err: any) {
      components.log('identifying %p again failed: %s', connection.remotePeer, err?.message)
    }
  }
}
