/**
 * Signed grants: a grant (`@peershare/protocol` keys.ts) sealed in a libp2p signed
 * envelope (RFC 0002) with the sender's key under its own domain string, so no other
 * signature of that key (a peer record, an offer) passes as a grant. Any peer may pass
 * a signed grant on: the signature, not the peer that sent it, says who made it.
 *
 * `openGrant` is where untrusted grant bytes are checked (push, fetch answers, records
 * read back). It never throws: accept, or reject with the reason.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { type FileKeyGrant, MAX_SIGNED_GRANT_BYTES, decodeGrant, encodeGrant } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'

/** Domain string the signature covers (RFC 0002 domain separation) */
export const GRANT_DOMAIN = 'peershare-file-key'
/** Envelope payload type of a grant */
export const GRANT_PAYLOAD_TYPE: Uint8Array = new TextEncoder().encode('/peershare/file-key/1')

export interface SignedGrant {
  grant: FileKeyGrant
  /** the marshalled envelope: what is stored, pushed and served, byte for byte */
  envelope: Uint8Array
}

export type OpenedGrant =
  | { result: 'accept', signed: SignedGrant }
  | { result: 'reject', reason: string }

/** Signs a grant with the sender's key; the grant's `sender` must be that key's peer id */
export async function signGrant (grant: FileKeyGrant, privateKey: PrivateKey): Promise<SignedGrant> {
  if (peerIdFromPublicKey(privateKey.publicKey).toString() !== grant.sender) throw new Error('A grant is signed by its sender')
  const payload = encodeGrant(grant)
  const envelope = await RecordEnvelope.seal({
    domain: GRANT_DOMAIN,
    codec: GRANT_PAYLOAD_TYPE,
    marshal: () => payload,
    equals: () => false
  }, privateKey)
  return { grant: decodeGrant(payload), envelope: envelope.marshal() }
}

/**
 * Checks untrusted envelope bytes: size, signature under GRANT_DOMAIN, an Ed25519 key,
 * the payload type, the grant's limits, and that the grant's sender is the signer.
 * Never throws. Whom the grant is for, and whether its key opens, the receiver checks.
 */
export async function openGrant (bytes: Uint8Array): Promise<OpenedGrant> {
  if (bytes.byteLength > MAX_SIGNED_GRANT_BYTES) return { result: 'reject', reason: `signed grant of ${bytes.byteLength} bytes, at most ${MAX_SIGNED_GRANT_BYTES}` }
  let envelope: RecordEnvelope
  try {
    envelope = await RecordEnvelope.openAndCertify(bytes, GRANT_DOMAIN)
  } catch (err: any) {
    return { result: 'reject', reason: `envelope does not verify: ${String(err?.message ?? err).slice(0, 200)}` }
  }
  try {
    if (envelope.publicKey.type !== 'Ed25519') return { result: 'reject', reason: `${envelope.publicKey.type} key; grants are signed with Ed25519` }
    if (!equals(envelope.payloadType, GRANT_PAYLOAD_TYPE)) return { result: 'reject', reason: 'not a grant (payload type)' }
    const grant = decodeGrant(envelope.payload)
    const signer = peerIdFromPublicKey(envelope.publicKey).toString()
    if (grant.sender !== signer) return { result: 'reject', reason: `grant claims sender ${grant.sender.slice(0, 60)} but ${signer} signed it` }
    return { result: 'accept', signed: { grant, envelope: bytes } }
  } catch (err: any) {
    return { result: 'reject', reason: String(err?.message ?? err).slice(0, 200) }
  }
}
