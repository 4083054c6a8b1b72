/**
 * Signed offers: an offer (`@peershare/protocol` offer.ts) sealed in a libp2p signed
 * envelope (RFC 0002) with the author's key under peershare's own domain string, so a
 * signature made for anything else (a peer record, another record kind) never passes
 * as an offer. Any peer may pass a signed offer on: the signature, not the sender,
 * says who wrote it.
 *
 * `openOffer` is the one place untrusted offer bytes are checked (gossip validator,
 * catalog pull, search answers). It never throws: it says accept, or reject (the
 * bytes are forged or malformed: the sender is to blame) or ignore (a newer format
 * version: nobody is to blame).
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { MAX_SIGNED_OFFER_BYTES, type Offer, UnsupportedOfferVersionError, decodeOffer, encodeOffer } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { platform } from '../platform/index.js'

/** Domain string the signature covers (RFC 0002 domain separation) */
export const OFFER_DOMAIN = 'peershare-offer'
/** Envelope payload type of an offer */
export const OFFER_PAYLOAD_TYPE: Uint8Array = new TextEncoder().encode('/peershare/offer/1')

export interface SignedOffer {
  /** the offer as a receiver shows it (names and tags sanitised) */
  offer: Offer
  /** the marshalled envelope: what is stored, gossiped and passed on, byte for byte */
  envelope: Uint8Array
}

export type OpenedOffer =
  | { result: 'accept', signed: SignedOffer }
  | { result: 'reject' | 'ignore', reason: string }

/** Signs an offer with the author's key; the offer's `author` must be that key's peer id */
export async function signOffer (offer: Offer, privateKey: PrivateKey): Promise<SignedOffer> {
  if (peerIdFromPublicKey(privateKey.publicKey).toString() !== offer.author) throw new Error('An offer is signed by its author')
  const payload = encodeOffer(offer)
  const envelope = await RecordEnvelope.seal({
    domain: OFFER_DOMAIN,
    codec: OFFER_PAYLOAD_TYPE,
    marshal: () => payload,
    equals: () => false
  }, privateKey)
  const bytes = envelope.marshal()
  return { offer: decodeOffer(payload), envelope: bytes }
}

/**
 * Checks untrusted envelope bytes: size, signature under OFFER_DOMAIN, an Ed25519
 * key, the payload type, the payload's limits, and that the offer's author is the
 * signer. Never throws.
 */
export async function openOffer (bytes: Uint8Array): Promise<OpenedOffer> {
  if (bytes.byteLength > MAX_SIGNED_OFFER_BYTES) return { result: 'reject', reason: `signed offer of ${bytes.byteLength} bytes, at most ${MAX_SIGNED_OFFER_BYTES}` }
  const hash = platform.sha256()
  hash.update(bytes)
  const digest = uint8ArrayToString(hash.digest(), 'base64')
  const known = accepted.take(digest)
  if (known != null) return { result: 'accept', signed: { offer: structuredClone(known), envelope: bytes } }
  const opened = await verifyOffer(bytes)
  if (opened.result === 'accept') accepted.keep(digest, opened.signed.offer, bytes.byteLength)
  return opened
}

async function verifyOffer (bytes: Uint8Array): Promise<OpenedOffer> {
  let envelope: RecordEnvelope
  try {
    envelope = await RecordEnvelope.openAndCertify(bytes, OFFER_DOMAIN)
  } catch (err: any) {
    return { result: 'reject', reason: `envelope does not verify: ${String(err?.message ?? err).slice(0, 200)}` }
  }
  try {
    if (envelope.publicKey.type !== 'Ed25519') return { result: 'reject', reason: `${envelope.publicKey.type} key; offers are signed with Ed25519` }
    if (!equals(envelope.payloadType, OFFER_PAYLOAD_TYPE)) return { result: 'reject', reason: 'not an offer (payload type)' }
    const offer = decodeOffer(envelope.payload)
    const signer = peerIdFromPublicKey(envelope.publicKey).toString()
    if (offer.author !== signer) return { result: 'reject', reason: `offer claims author ${offer.author.slice(0, 60)} but ${signer} signed it` }
    return { result: 'accept', signed: { offer, envelope: bytes } }
  } catch (err: any) {
    if (err instanceof UnsupportedOfferVersionError) return { result: 'ignore', reason: err.message }
    return { result: 'reject', reason: String(err?.message ?? err).slice(0, 200) }
  }
}

/**
 * Offers accepted lately, by the SHA-256 of their envelope bytes: the same envelope
 * comes again and again (each newly connected peer's catalog page holds the offers
 * gossip brought already, search answers repeat them), and checking its Ed25519
 * signature was most of the catalog's CPU in a 100-node swarm (issue 14). The same bytes
 * always get the same verdict, so a hit skips the check; only accepted offers are kept
 * (a forgery differs in its bytes, and is checked, and rejected, every time). Bounded by
 * count and by the envelope bytes they stand for; the least recently used go first.
 */
class AcceptedOffers {
  private readonly offers = new Map<string, { offer: Offer, bytes: number }>()
  private bytes = 0

  constructor (private readonly maxOffers: number, private readonly maxBytes: number) {}

  /** the offer accepted for these envelope bytes, now the most recently used; undefined: check it */
  take (digest: string): Offer | undefined {
    const held = this.offers.get(digest)
    if (held == null) return undefined
    this.offers.delete(digest)
    this.offers.set(digest, held)
    return held.offer
  }

  keep (digest: string, offer: Offer, bytes: number): void {
    if (this.offers.has(digest)) return
    this.offers.set(digest, { offer: structuredClone(offer), bytes })
    this.bytes += bytes
    for (const [oldest, held] of this.offers) {
      if (this.offers.size <= this.maxOffers && this.bytes <= this.maxBytes) break
      this.offers.delete(oldest)
      this.bytes -= held.bytes
    }
  }

  get size (): number { return this.offers.size }
}

/** Accepted offers remembered (`AcceptedOffers`): about a catalog's worth, at most 4 MiB of envelopes */
export const ACCEPTED_OFFERS_KEPT = 4096
const accepted = new AcceptedOffers(ACCEPTED_OFFERS_KEPT, 4 * 1024 * 1024)

/** How many accepted offers `openOffer` remembers now (at most ACCEPTED_OFFERS_KEPT) */
export function acceptedOffersHeld (): number {
  return accepted.size
}
