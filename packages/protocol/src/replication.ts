/**
 * Replication messages (issue 11): the storage offer a node offering room for other
 * peers' replicas signs and gossips on `peershare/storage/1`, and the one request and
 * one answer of `/peershare/replicate/1.0.0`. The offer bytes here are the payload of
 * a signed envelope (see the node's replication/holder/); this module only encodes,
 * decodes and bounds them.
 *
 * Decoders take untrusted bytes: they bound sizes, require the canonical encoding
 * (decodeCanonical), check ids parse and numbers are in range, and throw InvalidMessageError.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  MAX_FILE_SIZE,
  MAX_REPLICATE_MESSAGE_BYTES,
  MAX_REPLICATION_POLICY,
  MAX_STORAGE_CONCURRENCY,
  MAX_STORAGE_OFFER_BYTES,
  STORAGE_OFFER_VERSION
} from './constants.js'
import { decodeCanonical } from './canonical.js'
import { peerIdFromBytes, peerIdToBytes } from './peer-bytes.js'
import { InvalidMessageError } from './errors.js'
import { type FileId, decodeFileId, formatFileId, parseFileId } from './file-id.js'
import { ReplicateAnswer as AnswerPb, ReplicateRequest as RequestPb, ReplicateResponse as ResponsePb, StorageOffer as OfferPb } from './pb/replication.js'

/** The signed payload of a storage offer */
export interface StorageOfferPayload {
  /** the offering peer's id as text (base58btc): the envelope's signer */
  peerId: string
  /** per-peer sequence number: a newer offer has a higher one */
  seq: bigint
  /** bytes offered in all and free now; both 0: the node withdraws its offer */
  quota: number
  free: number
  acceptsFrom: 'anyone' | 'contacts'
  acceptsEncrypted: boolean
  /** replica fetches it runs at once, and runs now */
  maxConcurrent: number
  load: number
}

export interface ReplicateRequestMessage {
  fileId: FileId
  /** bytes to store: the manifest's size */
  size: number
  min: number
  max: number
  encrypted: boolean
  /** the owner's peer id (text) when a holder asks on its behalf */
  owner?: string
}

export type ReplicateAnswerText = 'accept' | 'quota-exceeded' | 'forbidden' | 'busy' | 'bad-request'

const ANSWERS: Record<ReplicateAnswerText, AnswerPb> = {
  'bad-request': AnswerPb.BAD_REQUEST,
  accept: AnswerPb.ACCEPT,
  'quota-exceeded': AnswerPb.QUOTA_EXCEEDED,
  forbidden: AnswerPb.FORBIDDEN,
  busy: AnswerPb.BUSY
}

/** The payload bytes of a storage offer; throws InvalidMessageError for a value outside the limits */
export function encodeStorageOffer (offer: StorageOfferPayload): Uint8Array {
  checkStorageOffer(offer)
  return OfferPb.encode({
    version: STORAGE_OFFER_VERSION,
    peerId: peerIdToBytes(offer.peerId) as Uint8Array<ArrayBuffer>,
    seq: offer.seq,
    quota: BigInt(offer.quota),
    free: BigInt(offer.free),
    acceptsFrom: offer.acceptsFrom === 'contacts' ? 1 : 0,
    acceptsEncrypted: offer.acceptsEncrypted,
    maxConcurrent: offer.maxConcurrent,
    load: offer.load
  })
}

/** Decodes and bounds untrusted storage offer bytes; throws InvalidMessageError */
export function decodeStorageOffer (bytes: Uint8Array | Uint8ArrayList): StorageOfferPayload {
  const pb = decodeCanonical(bytes, MAX_STORAGE_OFFER_BYTES, OfferPb, {})
  if (pb.version !== STORAGE_OFFER_VERSION) throw new InvalidMessageError(`Storage offer format version ${pb.version}; this node reads ${STORAGE_OFFER_VERSION}`)
  if (pb.acceptsFrom > 1) throw new InvalidMessageError('Storage offer accepts from an unknown kind of peer')
  if (pb.quota > BigInt(Number.MAX_SAFE_INTEGER) || pb.free > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidMessageError('Storage offer size out of range')
  const offer: StorageOfferPayload = {
    peerId: peerIdFromBytes(pb.peerId),
    seq: pb.seq,
    quota: Number(pb.quota),
    free: Number(pb.free),
    acceptsFrom: pb.acceptsFrom === 1 ? 'contacts' : 'anyone',
    acceptsEncrypted: pb.acceptsEncrypted,
    maxConcurrent: pb.maxConcurrent,
    load: pb.load
  }
  checkStorageOffer(offer)
  return offer
}

function checkStorageOffer (offer: StorageOfferPayload): void {
  const { quota, free, maxConcurrent, load } = offer
  if (!Number.isSafeInteger(quota) || quota < 0 || !Number.isSafeInteger(free) || free < 0 || free > quota) throw new InvalidMessageError('Storage offer sizes out of range (free must be within the quota)')
  if (offer.seq < 0n || offer.seq >= 2n ** 64n) throw new InvalidMessageError('Storage offer sequence number out of range')
  for (const count of [maxConcurrent, load]) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_STORAGE_CONCURRENCY) throw new InvalidMessageError(`Storage offer concurrency out of range (at most ${MAX_STORAGE_CONCURRENCY})`)
  }
}

export function encodeReplicateRequest (request: ReplicateRequestMessage): Uint8Array {
  checkReplicateRequest(request)
  return RequestPb.encode({ fileId: request.fileId.bytes as Uint8Array<ArrayBuffer>, size: BigInt(request.size), min: request.min, max: request.max, encrypted: request.encrypted, ...(request.owner != null ? { owner: peerIdToBytes(request.owner) as Uint8Array<ArrayBuffer> } : {}) })
}

/** Decodes and bounds an untrusted replicate request; throws InvalidMessageError */
export function decodeReplicateRequest (bytes: Uint8Array | Uint8ArrayList): ReplicateRequestMessage {
  const pb = decodeCanonical(bytes, MAX_REPLICATE_MESSAGE_BYTES, RequestPb, {})
  let fileId: FileId
  try {
    fileId = decodeFileId(pb.fileId)
  } catch {
    throw new InvalidMessageError('Replicate request file id is not a file id')
  }
  if (pb.size > BigInt(MAX_FILE_SIZE)) throw new InvalidMessageError('Replicate request size out of range')
  const request = { fileId, size: Number(pb.size), min: pb.min, max: pb.max, encrypted: pb.encrypted, ...(pb.owner != null ? { owner: peerIdFromBytes(pb.owner) } : {}) }
  checkReplicateRequest(request)
  return request
}

function checkReplicateRequest (request: ReplicateRequestMessage): void {
  // a file id that does not round-trip is not one
  parseFileId(formatFileId(request.fileId))
  if (!Number.isSafeInteger(request.size) || request.size < 0 || request.size > MAX_FILE_SIZE) throw new InvalidMessageError('Replicate request size out of range')
  const { min, max } = request
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min || max > MAX_REPLICATION_POLICY) {
    throw new InvalidMessageError(`Replicate request policy out of range (1 <= min <= max <= ${MAX_REPLICATION_POLICY})`)
  }
}

export function encodeReplicateResponse (answer: ReplicateAnswerText): Uint8Array {
  return ResponsePb.encode({ answer: ANSWERS[answer] })
}

/** Decodes an untrusted replicate response; throws InvalidMessageError (a bad-request answer decodes as 'bad-request') */
export function decodeReplicateResponse (bytes: Uint8Array | Uint8ArrayList): ReplicateAnswerText {
  const pb = decodeCanonical(bytes, MAX_REPLICATE_MESSAGE_BYTES, ResponsePb, {})
  const text = (Object.keys(ANSWERS) as ReplicateAnswerText[]).find(key => ANSWERS[key] === pb.answer)
  if (text == null) throw new InvalidMessageError('Replicate response answer unknown')
  return text
}
