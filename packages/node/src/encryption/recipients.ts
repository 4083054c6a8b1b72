/** Recipients of an encrypted share, as the key wrapping takes them: Ed25519 peer ids */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidRecipientError } from '../errors.js'

/**
 * The peer ids named, each once; throws InvalidRecipientError for text that is not a
 * peer id, or one of another key type (RSA, secp256k1): a key is wrapped to the X25519
 * form of an Ed25519 key only
 */
export function parseRecipients (to: readonly string[]): PeerId[] {
  const peers = new Map<string, PeerId>()
  for (const text of to) {
    let peer: PeerId
    try {
      peer = peerIdFromString(text)
    } catch {
      throw new InvalidRecipientError(`Neither a contact name nor a peer id: ${text.slice(0, 80)} (\`peershare id\` on the recipient's node prints its id)`)
    }
    if (peer.type !== 'Ed25519') throw new InvalidRecipientError(`${text} is a ${peer.type} peer id: files are encrypted for Ed25519 peer ids only`)
    peers.set(peer.toString(), peer)
  }
  return [...peers.values()]
}
