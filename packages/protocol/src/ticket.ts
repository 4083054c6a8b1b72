/**
 * Tickets: one pasteable string that holds what a friend needs to fetch content from
 * a sharer with no other set-up (anchors: iroh's BlobTicket, magnet links): the
 * content id, a name and size hint, and the sharer's peer id and dialable addresses.
 *
 * Text form: `peershare1` + base32 (RFC 4648, lowercase, no padding) of
 *
 *   [version byte = 1] [Ticket protobuf (pb/ticket.proto)] [CRC-32 of what precedes, big-endian]
 *
 * base32 is URL-safe and survives being read aloud or upper-cased (decoding ignores
 * case and white space). The checksum turns a typo or a truncated paste into one
 * clear error instead of a ticket for something else. Nothing in a ticket is trusted:
 * the content id is verified by the content it names, the name is sanitised, and
 * every size and count is bounded.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_NAME_BYTES,
  MAX_TICKET_ADDRESS_BYTES,
  MAX_TICKET_ADDRESSES,
  MAX_TICKET_CID_BYTES,
  MAX_TICKET_LENGTH,
  MAX_TICKET_PEER_ID_BYTES,
  TICKET_PREFIX,
  TICKET_VERSION
} from './constants.js'
import { crc32 } from './crc32.js'
import { InvalidTicketError } from './errors.js'
import { sanitizeFileName } from './names.js'
import { Ticket as TicketPb } from './pb/ticket.js'

export interface Ticket {
  /** the content id: a file id, or another content id such as a collection's */
  id: CID
  /** hint for the saved name, already sanitised; '' when the ticket has none */
  name: string
  /** content size in bytes (a hint) */
  size: number
  /** the sharer's peer id, as text (base58btc) */
  peerId: string
  /** the sharer's addresses, each ending in /p2p/<peerId> */
  addresses: Multiaddr[]
}

const P2P = 'p2p'
const CHECKSUM_BYTES = 4
const IDENTITY_CODE = 0x00
const SHA256_CODE = 0x12
const encoder = new TextEncoder()

/** True when the text is meant as a ticket (its prefix), whether or not it is a valid one */
export function isTicket (text: string): boolean {
  return text.trim().toLowerCase().startsWith(TICKET_PREFIX)
}

/** The text form of a ticket; throws InvalidTicketError for values outside the limits */
export function encodeTicket (ticket: Ticket): string {
  const body = TicketPb.encode({
    cid: checkCid(ticket.id.bytes) as Uint8Array<ArrayBuffer>,
    name: ticket.name === '' ? '' : checkName(ticket.name),
    size: BigInt(checkSize(ticket.size)),
    peer: checkPeer(peerIdBytes(ticket.peerId)) as Uint8Array<ArrayBuffer>,
    addrs: checkAddresses(ticket.addresses.map(a => withoutPeer(a, ticket.peerId).bytes)) as Array<Uint8Array<ArrayBuffer>>
  })
  const bytes = new Uint8Array(1 + body.byteLength + CHECKSUM_BYTES)
  bytes[0] = TICKET_VERSION
  bytes.set(body, 1)
  new DataView(bytes.buffer).setUint32(1 + body.byteLength, crc32(bytes.subarray(0, 1 + body.byteLength)))
  const text = TICKET_PREFIX + base32.baseEncode(bytes)
  if (text.length > MAX_TICKET_LENGTH) throw new InvalidTicketError(`Ticket of ${text.length} characters exceeds the limit of ${MAX_TICKET_LENGTH}`)
  return text
}

/** The characters of base32 (RFC 4648, lower case, no padding), what a ticket's text holds after its prefix */
const BASE32_TEXT = /^[a-z2-7]*$/

/** Parses a ticket's text form; any damage is an InvalidTicketError saying what is wrong */
export function decodeTicket (text: string): Ticket {
  const clean = text.replace(/\s+/g, '').toLowerCase()
  if (!clean.startsWith(TICKET_PREFIX)) throw new InvalidTicketError(`Not a ticket: it starts with ${TICKET_PREFIX}`)
  if (clean.length > MAX_TICKET_LENGTH) throw new InvalidTicketError(`Ticket of ${clean.length} characters exceeds the limit of ${MAX_TICKET_LENGTH}`)
  const body = clean.slice(TICKET_PREFIX.length)
  if (!BASE32_TEXT.test(body)) throw new InvalidTicketError('Damaged ticket: it holds characters base32 does not use (a typo?)')
  let bytes: Uint8Array
  try {
    bytes = base32.baseDecode(body)
  } catch {
    // every character is base32's: a length no bytes give (1, 3 or 6 characters past a
    // multiple of 8) is text cut off; at another, the last character sets bits past the
    // last byte, which a typo there does
    if ([1, 3, 6].includes(body.length % 8)) throw new InvalidTicketError('Damaged ticket: its length is not one a ticket has (cut off when copied?)')
    throw new InvalidTicketError('Damaged ticket: its last character is not one a ticket ends with (a typo, or cut off when copied?)')
  }
  if (bytes.byteLength < 1 + CHECKSUM_BYTES) throw new InvalidTicketError('Damaged ticket: too short (cut off when copied?)')
  const end = bytes.byteLength - CHECKSUM_BYTES
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(end) !== crc32(bytes.subarray(0, end))) {
    throw new InvalidTicketError('Damaged ticket: the checksum does not match (a typo, or cut off when copied?)')
  }
  if (bytes[0] !== TICKET_VERSION) throw new InvalidTicketError(`Ticket version ${bytes[0]} is not supported (this peershare reads version ${TICKET_VERSION}): upgrade peershare`)
  return fromPb(decodePb(bytes.subarray(1, end)))
}

function decodePb (bytes: Uint8Array): TicketPb {
  try {
    return TicketPb.decode(bytes, { limits: { addrs: MAX_TICKET_ADDRESSES } })
  } catch (err: any) {
    throw new InvalidTicketError(`Malformed ticket: ${err.message}`)
  }
}

function fromPb (pb: TicketPb): Ticket {
  let id: CID
  try {
    id = CID.decode(checkCid(pb.cid))
  } catch (err: any) {
    throw err instanceof InvalidTicketError ? err : new InvalidTicketError('Malformed ticket: its content id is not a CID')
  }
  if (id.version !== 1) throw new InvalidTicketError('Malformed ticket: its content id is not a CIDv1')
  const peerId = base58btc.baseEncode(checkPeer(pb.peer))
  const addresses = checkAddresses(pb.addrs).map(bytes => {
    let addr: Multiaddr
    try {
      addr = multiaddr(bytes)
    } catch {
      throw new InvalidTicketError('Malformed ticket: an address is not a multiaddr')
    }
    if (addr.getComponents().at(-1)?.name === P2P) throw new InvalidTicketError('Malformed ticket: an address ends in a peer id of its own')
    return addr.encapsulate(`/${P2P}/${peerId}`)
  })
  // a hint for a file or a whole collection, which may pass what one file may be
  if (pb.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidTicketError('Malformed ticket: size out of range')
  return { id, name: nameHint(pb.name), size: Number(pb.size), peerId, addresses }
}

/** The sanitised name, or '' when nothing usable is left (the offered name is used then) */
function nameHint (name: string): string {
  if (name === '') return ''
  checkName(name)
  try {
    return sanitizeFileName(name)
  } catch {
    return ''
  }
}

function checkName (name: string): string {
  if (encoder.encode(name).byteLength > MAX_NAME_BYTES) throw new InvalidTicketError(`Ticket name longer than ${MAX_NAME_BYTES} bytes`)
  return name
}

function checkSize (size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidTicketError(`Ticket size ${size} out of range`)
  return size
}

function checkCid (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_TICKET_CID_BYTES) throw new InvalidTicketError(`Malformed ticket: content id of ${bytes.byteLength} bytes`)
  return bytes
}

/** A peer id is a multihash: the identity of an Ed25519/secp256k1 key, or a SHA-256 of a bigger one */
function checkPeer (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_TICKET_PEER_ID_BYTES) throw new InvalidTicketError('Malformed ticket: no usable peer id')
  let code: number
  try {
    code = Digest.decode(bytes).code
  } catch {
    throw new InvalidTicketError('Malformed ticket: the peer id is not a multihash')
  }
  if (code !== IDENTITY_CODE && code !== SHA256_CODE) throw new InvalidTicketError('Malformed ticket: the peer id is not a libp2p peer id')
  return bytes
}

function checkAddresses (addrs: Uint8Array[]): Uint8Array[] {
  if (addrs.length > MAX_TICKET_ADDRESSES) throw new InvalidTicketError(`A ticket holds at most ${MAX_TICKET_ADDRESSES} addresses`)
  for (const addr of addrs) {
    if (addr.byteLength === 0 || addr.byteLength > MAX_TICKET_ADDRESS_BYTES) throw new InvalidTicketError(`Malformed ticket: an address of ${addr.byteLength} bytes`)
  }
  return addrs
}

function peerIdBytes (peerId: string): Uint8Array {
  try {
    return base58btc.baseDecode(peerId)
  } catch {
    throw new InvalidTicketError(`Not a peer id: ${peerId.slice(0, 80)}`)
  }
}

/**
 * The address without its final /p2p/<peer id> (the ticket stores the peer id once);
 * an address ending in another peer's id is refused. A /p2p/ inside, a relay's in a
 * circuit address, stays.
 */
function withoutPeer (addr: Multiaddr, peerId: string): Multiaddr {
  const components = addr.getComponents()
  const last = components.at(-1)
  if (last?.name !== P2P) return addr
  if (last.value !== peerId) throw new InvalidTicketError(`Address ${addr.toString()} is another peer's`)
  return multiaddr(components.slice(0, -1))
}
