/** Helpers for catalog tests: content ids, offers and authors (real Ed25519 keys) */
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { MANIFEST_CODEC, type Offer, encodeOffer, formatFileId, tombstone } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { OFFER_DOMAIN, OFFER_PAYLOAD_TYPE, type SignedOffer, signOffer } from '../src/catalog/index.js'

export interface Author {
  key: PrivateKey
  id: string
}

export async function newAuthor (): Promise<Author> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

/** A file id of random (made-up) content */
export function randomFileId (): string {
  return formatFileId(CID.createV1(MANIFEST_CODEC, Digest.create(0x12, randomBytes(32))))
}

export function fileOffer (author: string, seq: bigint, contentId: string, fields: Partial<Offer> = {}): Offer {
  return {
    author,
    seq,
    contentId,
    removed: false,
    name: 'file.bin',
    size: 1000,
    mimeType: 'application/octet-stream',
    sha256: randomBytes(32).toString('hex'),
    category: 'other',
    tags: [],
    description: '',
    created: 0,
    modified: 0,
    thumbnail: '',
    visibility: 'public',
    ...fields
  }
}

export async function signedOffer (author: Author, seq: bigint, contentId = randomFileId(), fields: Partial<Offer> = {}): Promise<SignedOffer> {
  return signOffer(fileOffer(author.id, seq, contentId, fields), author.key)
}

export async function signedTombstone (author: Author, seq: bigint, contentId: string): Promise<SignedOffer> {
  return signOffer(tombstone(author.id, seq, contentId), author.key)
}

/** An envelope of any payload, domain and type, signed by any key: what a forger can make */
export async function sealRaw (key: PrivateKey, payload: Uint8Array, domain = OFFER_DOMAIN, codec = OFFER_PAYLOAD_TYPE): Promise<Uint8Array> {
  const envelope = await RecordEnvelope.seal({ domain, codec, marshal: () => payload, equals: () => false }, key)
  return envelope.marshal()
}

/** An offer claiming `author`, signed by someone else's key */
export async function forgedOffer (signer: PrivateKey, author: string, seq = 1n, contentId = randomFileId()): Promise<Uint8Array> {
  return sealRaw(signer, encodeOffer(fileOffer(author, seq, contentId)))
}
