/**
 * A DHT peer we hold an open connection to enters the routing table without a ping.
 * kad-dht 16 pings every new contact before it adds it, though a connected contact has
 * just shown it is there: identify found the DHT protocol on the open connection, or the
 * peer answered a query. Each ping is a stream opened on both sides, and the pings wait
 * in a queue that holds 100 (20 at once, each given at least 5 s) and drops what does not
 * fit, so a node that met many peers at once (joining a busy swarm) could leave out peers
 * it was connected to, and a peer that does not answer pings (it may limit them) was never
 * added at all. In the bench's 100-node swarm this halves the pings: 7,662 and 7,676
 * during the start before, 4,145 and 4,338 after.
 *
 * A contact with no open connection (a peer only named in another peer's answer: kad-dht
 * adds every peer its answers name) is pinged, a dial, only while the table holds fewer
 * than PING_NEW_CONTACTS_BELOW peers when it is verified (several verify at once, so a
 * table may pass the mark by a few): a node starting out, or in a small swarm, takes
 * every peer it hears of. Past that it is left out until it connects (identify lists the
 * DHT protocol on a direct connection) or answers one of our queries (both add it without
 * a ping), as go-libp2p-kad-dht adds only peers that answered or connected. Each of those
 * pings is a dial, with its TLS handshake, identify and the new connection's gossipsub
 * and catalog work on both sides: in the bench's 100-node swarm they were every dial of
 * the lookups at rest (94 for 40 lookups; 1 or 2 after), and the start's pings went from
 * 4,448–5,262 to 3,233–3,574 (most of the start is spent under 20 peers) (issue 14).
 * A table whose `size` cannot be read counts as empty: every contact is pinged, as before.
 *
 * A contact let in this way is announced as a ping that succeeded (`peer:ping` on the
 * table): kad-dht's closest-peer tagger hears of live peers only through that event, and
 * tags the nearest ones keep-alive, which libp2p redials at start.
 */
import type { PeerId } from '@libp2p/interface'

/** The contact kad-dht's k-bucket asks to verify */
interface Contact { peerId: PeerId }

/** What the patch uses of kad-dht's routing table (its implementation; not in its interface types) */
export interface VerifyingRoutingTable {
  kb: { verify: (contact: Contact, options?: unknown) => Promise<boolean> }
  safeDispatchEvent: (type: 'peer:ping', init: CustomEventInit<PeerId>) => boolean
}

/** Whether `peer` has a connection open now */
export type IsConnected = (peer: PeerId) => boolean

/** Routing-table size up to which a contact with no open connection is pinged (kad-dht's K) */
export const PING_NEW_CONTACTS_BELOW = 20

/** Makes `routingTable` add connected contacts without a ping, and others only while it is small; returns false (and leaves it alone) if it lacks a part the patch uses */
export function addConnectedContacts (routingTable: unknown, isConnected: IsConnected): boolean {
  const table = routingTable as Partial<VerifyingRoutingTable> | undefined
  const verify = table?.kb?.verify
  if (table?.kb == null || typeof verify !== 'function' || typeof table.safeDispatchEvent !== 'function') return false
  const { kb } = table
  const announce = table.safeDispatchEvent.bind(table)
  // kad-dht's routing table counts its peers in `size` (not in its interface types)
  const size = (): number => { const n = (table as { size?: unknown }).size; return typeof n === 'number' ? n : 0 }
  kb.verify = async (contact, options) => {
    if (!isConnected(contact.peerId)) return size() < PING_NEW_CONTACTS_BELOW ? verify(contact, options) : false
    announce('peer:ping', { detail: contact.peerId })
    return true
  }
  return true
}
