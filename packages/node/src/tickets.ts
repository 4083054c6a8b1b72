/**
 * Tickets for this node's content (the format is `@peershare/protocol`'s ticket.ts):
 * which of our addresses go into one, and what a ticket someone gives us means for
 * a download (its peer as the first source, its name as the default output name).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { isLinkLocal, isLoopback, isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { MAX_TICKET_ADDRESSES, type Ticket, decodeTicket, encodeTicket, parseContentRef } from '@peershare/protocol'
import type { CID } from 'multiformats/cid'
import type { StartOptions } from './download/transfer-manager.js'

/** multicodec of the /p2p/ component */
const P2P_CODE = 421

export interface TicketContent {
  id: CID
  name: string
  size: number
}

/** A ticket for content this node serves, with the addresses others can dial now */
export function createTicket (content: TicketContent, peerId: PeerId, addresses: Multiaddr[]): string {
  return encodeTicket({ ...content, peerId: peerId.toString(), addresses: ticketAddresses(addresses) })
}

/**
 * The addresses worth putting in a ticket, most widely reachable first: public, then
 * LAN, then loopback (kept: people share on one machine and on a LAN too), at most
 * MAX_TICKET_ADDRESSES. Link-local addresses are left out: they need an interface
 * name only the sharer knows. Unspecified addresses (0.0.0.0) never appear here:
 * libp2p reports the interface addresses it expanded them to.
 */
export function ticketAddresses (addresses: Multiaddr[]): Multiaddr[] {
  const rank = (addr: Multiaddr): number => isLoopback(addr) ? 2 : isPrivate(addr) ? 1 : 0
  const seen = new Set<string>()
  return addresses
    .map(addr => addr.decapsulateCode(P2P_CODE))
    .filter(addr => !isLinkLocal(addr) && !seen.has(addr.toString()) && seen.add(addr.toString()) != null)
    .map((addr, i) => ({ addr, rank: rank(addr), i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, MAX_TICKET_ADDRESSES)
    .map(({ addr }) => addr)
}

/** A ticket's addresses as the peer store wants them: without /p2p/ */
export function dialAddresses (ticket: Ticket): Multiaddr[] {
  return ticket.addresses.map(addr => addr.decapsulateCode(P2P_CODE))
}

/**
 * What a ticket means for a download: the sharer's addresses go into the peer store
 * (dialling it also seeds the DHT routing table) and the sharer is the first source
 * (after a `from` the caller gave); the ticket's name is the default output name.
 * Returns the content id as text, fetched then like any id.
 */
export async function openTicket (libp2p: Pick<Libp2p, 'peerId' | 'peerStore'>, text: string, options: StartOptions = {}): Promise<{ id: string, options: StartOptions }> {
  const ticket = decodeTicket(text)
  const id = ticket.id.toString()
  const sharer = peerIdFromString(ticket.peerId)
  if (sharer.equals(libp2p.peerId)) return { id, options }
  await libp2p.peerStore.merge(sharer, { multiaddrs: dialAddresses(ticket) })
  const name = ticket.name === '' ? undefined : ticket.name
  // a file's default name, not an output the user asked for (a `get` joining a download makes no copy for it);
  // a collection's, the directory it goes to
  const named: StartOptions = parseContentRef(id).kind === 'collection' ? { output: options.output ?? name } : { offeredName: options.offeredName ?? name }
  if (options.from == null) return { id, options: { ...options, from: sharer, ...named } }
  return { id, options: { ...options, peers: [...(options.peers ?? []), sharer.toString()], ...named } }
}
