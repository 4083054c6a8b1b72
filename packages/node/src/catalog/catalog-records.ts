/**
 * How the catalog persists, under `/peershare/catalog/`:
 *
 *   meta                         { epoch, nextPos }: the log's name and next position
 *   seq                          this node's own last sequence number (author-sequence.ts)
 *   offers/<author>/<content id> { seq, pos, receivedAt, own, removed, envelope (base64) }
 *   floors/<author>              { floor, at }: the seq at or below which the author's offers are stale
 *
 * Everything read back is checked (shape, ranges, the key's ids) and a record that
 * fails goes to the quarantine; an envelope is decoded again when it is read (not
 * verified: it was when stored) and checked against its record.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { MAX_SIGNED_OFFER_BYTES, type Offer, decodeOffer, parseContentRef } from '@peershare/protocol'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { RecordInvalidError } from '../errors.js'
import { boolean, finite, jsonObject, parsed, string } from '../records/check.js'
import type { Slot } from './catalog-index.js'
import { OFFER_PAYLOAD_TYPE } from './signed-offer.js'

export const CATALOG_PREFIX = '/peershare/catalog'
export const META_KEY = new Key(`${CATALOG_PREFIX}/meta`)
export const OFFERS_PREFIX = `${CATALOG_PREFIX}/offers`
export const FLOORS_PREFIX = `${CATALOG_PREFIX}/floors`

export const offerKey = (author: string, contentId: string): Key => new Key(`${OFFERS_PREFIX}/${author}/${contentId}`)
export const floorKey = (author: string): Key => new Key(`${FLOORS_PREFIX}/${author}`)

const json = (value: unknown): Uint8Array => uint8ArrayFromString(JSON.stringify(value))
const bigintText = (value: unknown, field: string): bigint => parsed(value, field, text => {
  if (!/^\d{1,20}$/.test(text)) throw new Error('not a whole number')
  return BigInt(text)
})

export interface Meta { epoch: string, nextPos: bigint }

export function encodeMeta (meta: Meta): Uint8Array {
  return json({ epoch: meta.epoch, nextPos: meta.nextPos.toString() })
}

export function decodeMeta (bytes: Uint8Array): Meta {
  const value = jsonObject(bytes)
  return { epoch: string(value.epoch, 'epoch', 64), nextPos: bigintText(value.nextPos, 'nextPos') }
}

export function encodeOfferRecord (slot: Slot, envelope: Uint8Array): Uint8Array {
  return json({
    seq: slot.seq.toString(),
    pos: slot.pos.toString(),
    receivedAt: slot.receivedAt,
    own: slot.own,
    removed: slot.removed,
    envelope: uint8ArrayToString(envelope, 'base64')
  })
}

/** A stored offer record as a slot (and its envelope), checked against its key */
export function decodeOfferRecord (key: Key, bytes: Uint8Array): { slot: Slot, envelope: Uint8Array } {
  const [author, keyContentId, ...rest] = key.toString().slice(OFFERS_PREFIX.length + 1).split('/')
  if (rest.length > 0 || author == null || keyContentId == null) throw new RecordInvalidError('key is not offers/<author>/<content id>')
  parsed(author, 'key author', peerIdFromString)
  parsed(keyContentId, 'key content id', parseContentRef)
  // a string of its own: a piece of the key would keep the whole key in memory for as long as the slot lives
  const contentId = CID.parse(keyContentId).toString()
  const value = jsonObject(bytes)
  const envelope = parsed(value.envelope, 'envelope', text => uint8ArrayFromString(text, 'base64'))
  if (envelope.byteLength > MAX_SIGNED_OFFER_BYTES) throw new RecordInvalidError('envelope too large')
  const slot: Slot = {
    author,
    contentId,
    seq: bigintText(value.seq, 'seq'),
    pos: bigintText(value.pos, 'pos'),
    receivedAt: finite(value.receivedAt, 'receivedAt'),
    own: boolean(value.own, 'own'),
    removed: boolean(value.removed, 'removed'),
    bytes: envelope.byteLength,
    dead: false
  }
  return { slot, envelope }
}

/**
 * The slot `index` holds for an offers key, if any. The index holds only slots whose
 * records passed decodeOfferRecord at load (or were written since), so a key found
 * there needs none of its checks again.
 */
export function heldSlot (index: { get(author: string, contentId: string): Slot | undefined }, key: Key): Slot | undefined {
  const [author, contentId, ...rest] = key.toString().slice(OFFERS_PREFIX.length + 1).split('/')
  if (rest.length > 0 || author == null || contentId == null) return undefined
  return index.get(author, contentId)
}

/**
 * The envelope of the record of a held slot, or undefined when the record is another
 * version (replaced meanwhile); throws RecordInvalidError when it does not decode
 */
export function decodeHeldRecord (held: Slot, bytes: Uint8Array): { envelope: Uint8Array } | undefined {
  const value = jsonObject(bytes)
  if (bigintText(value.pos, 'pos') !== held.pos) return undefined
  const envelope = parsed(value.envelope, 'envelope', text => uint8ArrayFromString(text, 'base64'))
  if (envelope.byteLength > MAX_SIGNED_OFFER_BYTES) throw new RecordInvalidError('envelope too large')
  return { envelope }
}

/** The offer inside a stored envelope; throws RecordInvalidError when it is not the slot's */
export function storedOffer (slot: Slot, envelope: Uint8Array): Offer {
  let offer: Offer
  try {
    const sealed = RecordEnvelope.createFromProtobuf(envelope)
    if (uint8ArrayToString(sealed.payloadType) !== uint8ArrayToString(OFFER_PAYLOAD_TYPE)) throw new Error('not an offer')
    offer = decodeOffer(sealed.payload)
  } catch (err: any) {
    throw new RecordInvalidError(`envelope: ${String(err?.message ?? err).slice(0, 200)}`)
  }
  if (offer.author !== slot.author || offer.contentId !== slot.contentId || offer.seq !== slot.seq || offer.removed !== slot.removed) {
    throw new RecordInvalidError('envelope is not the offer its record names')
  }
  return offer
}

export function encodeFloor (floor: bigint, at: number): Uint8Array {
  return json({ floor: floor.toString(), at })
}

export function decodeFloor (key: Key, bytes: Uint8Array): { author: string, floor: bigint, at: number } {
  const author = key.toString().slice(FLOORS_PREFIX.length + 1)
  parsed(author, 'key author', peerIdFromString)
  const value = jsonObject(bytes)
  return { author, floor: bigintText(value.floor, 'floor'), at: finite(value.at, 'at') }
}
