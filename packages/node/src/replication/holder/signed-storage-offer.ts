/**
 * Signed storage offers: the payload (`@peershare/protocol` replication.ts) sealed in a
 * libp2p signed envelope under its own domain, as grants (keys/) and catalog offers are.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import {
  MAX_SIGNED_STORAGE_OFFER_BYTES,
  STORAGE_OFFER_DOMAIN,
  STORAGE_OFFER_PAYLOAD_TYPE,
  type StorageOfferPayload,
  decodeStorageOffer,
  encodeStorageOffer
} from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'

const PAYLOAD_TYPE: Uint8Array = new TextEncoder().encode(STORAGE_OFFER_PAYLOAD_TYPE)

export type OpenedStorageOffer =
  | { result: 'accept', offer: StorageOfferPayload }
  | { result: 'reject', reason: string }

/** Signs this node's offer; its `peerId` must be the key's */
export async function signStorageOffer (offer: StorageOfferPayload, privateKey: PrivateKey): Promise<Uint8Array> {
  if (peerIdFromPublicKey(privateKey.publicKey).toString() !== offer.peerId) throw new Error('A storage offer is signed by its peer')
  const payload = encodeStorageOffer(offer)
  const envelope = await RecordEnvelope.seal({ domain: STORAGE_OFFER_DOMAIN, codec: PAYLOAD_TYPE, marshal: () => payload, equals: () => false }, privateKey)
  return envelope.marshal()
}

/** Checks untrusted bytes: size, signature under the domain, payload type, limits, signer = peer id. Never throws. */
export async function openStorageOffer (bytes: Uint8Array): Promise<OpenedStorageOffer> {
  if (bytes.byteLength > MAX_SIGNED_STORAGE_OFFER_BYTES) return { result: 'reject', reason: `signed storage offer of ${bytes.byteLength} bytes, at most ${MAX_SIGNED_STORAGE_OFFER_BYTES}` }
  try {
    const envelope = await RecordEnvelope.openAndCertify(bytes, STORAGE_OFFER_DOMAIN)
    if (!equals(envelope.payloadType, PAYLOAD_TYPE)) return { result: 'reject', reason: 'not a storage offer (payload type)' }
    const offer = decodeStorageOffer(envelope.payload)
    const signer = peerIdFromPublicKey(envelope.publicKey).toString()
    if (offer.peerId !== signer) return { result: 'reject', reason: `offer claims peer ${offer.peerId.slice(0, 60)} but ${signer} signed it` }
    return { result: 'accept', offer }
  } catch (err: any) {
    return { result: 'reject', reason: `does not verify or decode: ${String(err?.message ?? err).slice(0, 200)}` }
  }
}
