/**
 * Peer ids inside protocol messages: the multihash bytes on the wire, the base58btc
 * text in the decoded form. Bounded both ways (MAX_OFFER_PEER_ID_BYTES), since the
 * bytes come from peers; failures are InvalidMessageError.
 */
import { base58btc } from 'multiformats/bases/base58'
import { MAX_OFFER_PEER_ID_BYTES } from './constants.js'
import { InvalidMessageError } from './errors.js'

/** The wire bytes of a peer id given as text */
export function peerIdToBytes (peerId: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base58btc.baseDecode(peerId)
  } catch {
    throw new InvalidMessageError(`Not a peer id: ${peerId.slice(0, 80)}`)
  }
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_OFFER_PEER_ID_BYTES) throw new InvalidMessageError('Not a peer id')
  return bytes
}

/** The text of a peer id read from the wire */
export function peerIdFromBytes (bytes: Uint8Array): string {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_OFFER_PEER_ID_BYTES) throw new InvalidMessageError('Not a peer id')
  return base58btc.baseEncode(bytes)
}
