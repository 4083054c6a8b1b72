/**
 * Offers: what an author says about content it shares (the seed's file_offer): file
 * or collection id, name, size, MIME type, SHA-256, category, tags, description, the
 * original's times, an optional thumbnail (a file id), the author and a per-author
 * sequence number. The bytes here are the payload of a signed envelope (see the
 * node's catalog); this module only encodes, decodes and bounds them.
 *
 * Decoding is strict about structure (canonical encoding, limits, ids that parse)
 * and forgiving about presentation: the name and every tag pass the one sanitiser,
 * control characters in the description become spaces, an unknown category reads as
 * `other`. An offer of a newer format version throws UnsupportedOfferVersionError, so
 * a receiver can ignore it without blaming the peer that passed it on.
 */
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { equals } from 'uint8arrays/equals'
import { type Category, isCategory } from './category.js'
import { isCollectionId } from './collection.js'
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_MIME_LENGTH,
  MAX_NAME_BYTES,
  MAX_OFFER_BYTES,
  MAX_OFFER_CID_BYTES,
  MAX_OFFER_PEER_ID_BYTES,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  OFFER_VERSION,
  SHA256_LENGTH
} from './constants.js'
import { InvalidOfferError, UnsupportedOfferVersionError } from './errors.js'
import { bytesToHex, decodeFileId, formatFileId, hexToBytes } from './file-id.js'
import { sanitizeFileName } from './names.js'
import { Offer as OfferPb } from './pb/offer.js'

/**
 * Who may see an offer: `public` (gossiped, in every catalog and search answer) or
 * `contacts` (wire value 1: sent only to the author's contacts, never gossiped, never
 * passed on by a receiver). Private content has no offer at all. A tombstone has the
 * visibility of the offer it removes, so the removal of a contacts offer reaches contacts only.
 */
export type Visibility = 'public' | 'contacts'

/** Wire values of the offer's visibility field, by position */
const VISIBILITY_VALUES: readonly Visibility[] = ['public', 'contacts']

export interface Offer {
  /** the author's peer id, as text (base58btc) */
  author: string
  /** per-author sequence number; a later offer, update or tombstone has a higher one */
  seq: bigint
  /** file id or collection id, canonical text */
  contentId: string
  /** a tombstone: the author withdrew the content; every other field is empty */
  removed: boolean
  name: string
  size: number
  mimeType: string
  /** whole-file SHA-256 as hex; '' for a collection or a tombstone */
  sha256: string
  category: Category
  tags: string[]
  description: string
  /** unix ms (0 unknown) */
  created: number
  modified: number
  /** file id of a small image, '' for none */
  thumbnail: string
  visibility: Visibility
}

/** What an offer is of: the content id's codec says */
export function offerKind (offer: Pick<Offer, 'contentId'>): 'file' | 'collection' {
  return isCollectionId(CID.parse(offer.contentId)) ? 'collection' : 'file'
}

/** A tombstone for content an author no longer offers (seen by whoever could see the offer) */
export function tombstone (author: string, seq: bigint, contentId: string, visibility: Visibility = 'public'): Offer {
  return {
    author,
    seq,
    contentId,
    removed: true,
    name: '',
    size: 0,
    mimeType: '',
    sha256: '',
    category: 'other',
    tags: [],
    description: '',
    created: 0,
    modified: 0,
    thumbnail: '',
    visibility
  }
}

/** The payload bytes of an offer; throws InvalidOfferError for a value outside the limits */
export function encodeOffer (offer: Offer): Uint8Array {
  checkText(offer)
  const bytes = OfferPb.encode(toPb(offer))
  if (bytes.byteLength > MAX_OFFER_BYTES) throw new InvalidOfferError(`Offer too large: ${bytes.byteLength} bytes, at most ${MAX_OFFER_BYTES}`)
  return bytes
}

/** Decodes and bounds untrusted offer bytes; throws InvalidOfferError or UnsupportedOfferVersionError */
export function decodeOffer (bytes: Uint8Array): Offer {
  if (bytes.byteLength > MAX_OFFER_BYTES) throw new InvalidOfferError(`Offer too large: ${bytes.byteLength} bytes`)
  let pb: OfferPb
  try {
    pb = OfferPb.decode(bytes, { limits: { tags: MAX_TAGS } })
  } catch (err: any) {
    throw new InvalidOfferError(`Offer does not decode: ${String(err?.message ?? err).slice(0, 200)}`)
  }
  if (pb.version !== OFFER_VERSION) throw new UnsupportedOfferVersionError(`Offer format version ${pb.version}; this node reads ${OFFER_VERSION}`)
  if (!equals(OfferPb.encode(pb), bytes)) throw new InvalidOfferError('Offer not in canonical encoding')
  const offer = fromPb(pb)
  checkText(offer)
  return present(offer)
}

function toPb (offer: Offer): OfferPb {
  return {
    version: OFFER_VERSION,
    author: peerIdBytes(offer.author) as Uint8Array<ArrayBuffer>,
    seq: offer.seq,
    contentId: contentIdBytes(offer.contentId) as Uint8Array<ArrayBuffer>,
    removed: offer.removed,
    name: offer.name,
    size: BigInt(checkNumber(offer.size, 'size')),
    mimeType: offer.mimeType,
    sha256: (offer.sha256 === '' ? new Uint8Array(0) : hexToBytes(offer.sha256)) as Uint8Array<ArrayBuffer>,
    category: offer.category,
    tags: offer.tags,
    description: offer.description,
    created: BigInt(checkNumber(offer.created, 'created')),
    modified: BigInt(checkNumber(offer.modified, 'modified')),
    thumbnail: (offer.thumbnail === '' ? new Uint8Array(0) : thumbnailBytes(offer.thumbnail)) as Uint8Array<ArrayBuffer>,
    visibility: visibilityValue(offer.visibility)
  }
}

function fromPb (pb: OfferPb): Offer {
  const visibility = VISIBILITY_VALUES[pb.visibility]
  if (visibility == null) throw new InvalidOfferError(`Unknown offer visibility ${pb.visibility}`)
  if (pb.author.byteLength === 0 || pb.author.byteLength > MAX_OFFER_PEER_ID_BYTES) throw new InvalidOfferError('Offer author is not a peer id')
  if (pb.contentId.byteLength > MAX_OFFER_CID_BYTES) throw new InvalidOfferError('Offer content id too long')
  const contentId = parseContentId(pb.contentId)
  const isCollection = isCollectionId(contentId)
  if (pb.sha256.byteLength !== 0 && (isCollection || pb.sha256.byteLength !== SHA256_LENGTH)) throw new InvalidOfferError('Offer SHA-256 is not 32 bytes')
  if (!pb.removed && !isCollection && pb.sha256.byteLength === 0) throw new InvalidOfferError('A file offer names its SHA-256')
  const offer: Offer = {
    author: base58btc.baseEncode(pb.author),
    seq: pb.seq,
    contentId: contentId.toString(),
    removed: pb.removed,
    name: pb.name,
    size: toNumber(pb.size, 'size'),
    mimeType: pb.mimeType,
    sha256: bytesToHex(pb.sha256),
    category: isCategory(pb.category) ? pb.category : 'other',
    tags: pb.tags,
    description: pb.description,
    created: toNumber(pb.created, 'created'),
    modified: toNumber(pb.modified, 'modified'),
    thumbnail: pb.thumbnail.byteLength === 0 ? '' : formatFileId(thumbnailId(pb.thumbnail)),
    visibility
  }
  if (offer.removed && !equals(OfferPb.encode(toPb(offer)), OfferPb.encode(toPb(tombstone(offer.author, offer.seq, offer.contentId, offer.visibility))))) {
    throw new InvalidOfferError('A tombstone carries no other field')
  }
  return offer
}

/** Limits on every text field, in the units a user sees */
function checkText (offer: Offer): void {
  if (new TextEncoder().encode(offer.name).byteLength > MAX_NAME_BYTES) throw new InvalidOfferError(`Offer name longer than ${MAX_NAME_BYTES} bytes`)
  if (!offer.removed && offer.name.length === 0) throw new InvalidOfferError('Offer has no name')
  if (offer.mimeType.length > MAX_MIME_LENGTH) throw new InvalidOfferError('Offer MIME type too long')
  if (offer.description.length > MAX_DESCRIPTION_LENGTH) throw new InvalidOfferError('Offer description too long')
  if (offer.tags.length > MAX_TAGS) throw new InvalidOfferError(`More than ${MAX_TAGS} tags`)
  if (offer.tags.some(t => t.length === 0 || t.length > MAX_TAG_LENGTH)) throw new InvalidOfferError('A tag is empty or too long')
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/** What a receiver shows: names and tags through the one sanitiser, no control characters */
function present (offer: Offer): Offer {
  if (offer.removed) return offer
  return {
    ...offer,
    name: sanitizeOr(offer.name, 'unnamed'),
    tags: [...new Set(offer.tags.map(t => sanitizeOr(t, '')).filter(t => t !== ''))],
    description: offer.description.replace(CONTROL_BUT_NEWLINE, ' '),
    mimeType: offer.mimeType.replace(CONTROL_BUT_NEWLINE, '')
  }
}

/** A tag as the sharer gives it and as a receiver shows it: one sanitised word or phrase */
export function sanitizeTag (tag: string): string {
  return sanitizeOr(tag.trim(), '')
}

function sanitizeOr (text: string, fallback: string): string {
  try {
    return sanitizeFileName(text)
  } catch {
    return fallback
  }
}

function parseContentId (bytes: Uint8Array): CID {
  let cid: CID
  try {
    cid = CID.decode(bytes)
  } catch {
    throw new InvalidOfferError('Offer content id is not a CID')
  }
  if (isCollectionId(cid)) return cid
  try {
    return decodeFileId(bytes)
  } catch {
    throw new InvalidOfferError('Offer content id is neither a file id nor a collection id')
  }
}

function thumbnailId (bytes: Uint8Array): CID {
  try {
    return decodeFileId(bytes)
  } catch {
    throw new InvalidOfferError('Offer thumbnail is not a file id')
  }
}

function contentIdBytes (text: string): Uint8Array {
  try {
    return CID.parse(text).bytes
  } catch {
    throw new InvalidOfferError(`Not a content id: ${text.slice(0, 80)}`)
  }
}

function thumbnailBytes (text: string): Uint8Array {
  try {
    return decodeFileId(CID.parse(text).bytes).bytes
  } catch {
    throw new InvalidOfferError(`Thumbnail is not a file id: ${text.slice(0, 80)}`)
  }
}

function peerIdBytes (peerId: string): Uint8Array {
  try {
    return base58btc.baseDecode(peerId)
  } catch {
    throw new InvalidOfferError(`Not a peer id: ${peerId.slice(0, 80)}`)
  }
}

function visibilityValue (visibility: Visibility): number {
  const value = VISIBILITY_VALUES.indexOf(visibility)
  if (value < 0) throw new InvalidOfferError(`Unknown offer visibility ${String(visibility).slice(0, 20)}`)
  return value
}

function checkNumber (value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOfferError(`Offer ${field} out of range`)
  return value
}

function toNumber (value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidOfferError(`Offer ${field} out of range`)
  return Number(value)
}
