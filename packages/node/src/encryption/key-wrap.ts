/**
 * Wrapping a file key for one recipient (doc/SECURITY.md): HPKE base mode (RFC 9180,
 * `@hpke/core`: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM) to the X25519
 * form of the recipient's Ed25519 peer id key, so a sender needs nothing but the peer
 * id. The associated data binds the wrapped key to one file and one recipient: it
 * opens for neither another file nor another peer.
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { DecryptionError } from '../errors.js'
import { FILE_KEY_LENGTH } from './file-cipher.js'

/** bytes of a wrapped key: the 32-byte encapsulated key, then the 32-byte file key sealed with its 16-byte tag */
export const WRAPPED_KEY_LENGTH = 32 + FILE_KEY_LENGTH + 16

const INFO = new TextEncoder().encode('peershare/v1/file-key')

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() })

/** fileId bytes ‖ recipient peer id bytes */
function wrapAad (fileId: Uint8Array, recipient: PeerId): Uint8Array {
  const peer = recipient.toMultihash().bytes
  const aad = new Uint8Array(fileId.byteLength + peer.byteLength)
  aad.set(fileId, 0)
  aad.set(peer, fileId.byteLength)
  return aad
}

/** The X25519 public key of an Ed25519 peer id; throws DecryptionError for any other key type */
function recipientKey (peer: PeerId): Uint8Array {
  if (peer.type !== 'Ed25519' || peer.publicKey == null) throw new DecryptionError(`Keys can only be wrapped for Ed25519 peer ids, not ${peer.type}`)
  return ed25519.utils.toMontgomery(peer.publicKey.raw)
}

/** Wraps `fileKey` for `recipient`, bound to the file (`fileId`: the file id's bytes) */
export async function wrapFileKey (fileKey: Uint8Array, fileId: Uint8Array, recipient: PeerId): Promise<Uint8Array> {
  const recipientPublicKey = await suite.kem.deserializePublicKey(recipientKey(recipient))
  const { enc, ct } = await suite.seal({ recipientPublicKey, info: INFO }, fileKey, wrapAad(fileId, recipient))
  const out = new Uint8Array(enc.byteLength + ct.byteLength)
  out.set(new Uint8Array(enc), 0)
  out.set(new Uint8Array(ct), enc.byteLength)
  return out
}

/**
 * The file key inside `wrapped`, opened with this node's own Ed25519 key; throws
 * DecryptionError when it was wrapped for another peer or another file, or changed
 */
export async function unwrapFileKey (wrapped: Uint8Array, fileId: Uint8Array, privateKey: PrivateKey): Promise<Uint8Array> {
  if (privateKey.type !== 'Ed25519') throw new DecryptionError('Only an Ed25519 node key can open wrapped file keys')
  if (wrapped.byteLength !== WRAPPED_KEY_LENGTH) throw new DecryptionError(`A wrapped key is ${WRAPPED_KEY_LENGTH} bytes`)
  // libp2p's raw Ed25519 private key is seed ‖ public key: the X25519 secret comes from the seed
  const secret = ed25519.utils.toMontgomerySecret(privateKey.raw.subarray(0, 32))
  const recipientKey = await suite.kem.deserializePrivateKey(secret)
  secret.fill(0)
  const self = peerIdFromPrivateKey(privateKey)
  try {
    const opened = await suite.open({ recipientKey, enc: wrapped.subarray(0, 32), info: INFO }, wrapped.subarray(32), wrapAad(fileId, self))
    return new Uint8Array(opened)
  } catch {
    throw new DecryptionError('The wrapped key does not open with this node\'s key: it was wrapped for another peer or file, or changed')
  }
}
