/**
 * File key grants and the messages of `/peershare/keys/1.0.0` (doc/SECURITY.md). A
 * grant says: `sender` gives `recipient` the key of `fileId` (key type 1: the file key
 * wrapped to the recipient's Ed25519 peer id) or only the permission to fetch it (key
 * type 0: a plaintext private or contacts file), with what the recipient's inbox shows
 * before it holds the manifest. The bytes here are the payload of a signed envelope
 * (see the node's keys/); this module only encodes, decodes and bounds them.
 *
 * Decoders take untrusted bytes: they bound sizes and counts, require the canonical
 * encoding (no value read modulo anything, no repeated or unknown field), check ids
 * parse, and throw InvalidMessageError.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  ENCRYPTION_SALT_LENGTH,
  ENCRYPTION_SCHEME_AES256GCM,
  ENCRYPTION_TAG_LENGTH,
  GRANT_KEY_NONE,
  GRANT_KEY_WRAPPED,
  GRANT_VERSION,
  MAX_FILE_SIZE,
  MAX_GRANT_BYTES,
  MAX_GRANTS_PER_MESSAGE,
  MAX_KEYS_MESSAGE_BYTES,
  MAX_NAME_BYTES,
  MAX_SEALED_METADATA_BYTES,
  MAX_SIGNED_GRANT_BYTES,
  WRAPPED_FILE_KEY_LENGTH
} from './constants.js'
import { decodeCanonical } from './canonical.js'
import { peerIdFromBytes, peerIdToBytes } from './peer-bytes.js'
import { InvalidMessageError } from './errors.js'
import { type FileId, decodeFileId, formatFileId, parseFileId } from './file-id.js'
import { sanitizeFileName } from './names.js'
import { FileKeyGrant as GrantPb, KeysRefusal, KeysRequest as KeysRequestPb, KeysResponse as KeysResponsePb } from './pb/keys.js'

/** What a grant carries beyond the key: the manifest's encryption (key type 1), or the plaintext name (key type 0) */
export interface GrantInboxCopy {
  /** the file's size: the ciphertext's for an encrypted file */
  size: number
  /** key type 1: the manifest's encryption fields */
  encryption?: { scheme: number, salt: Uint8Array, sealedMetadata: Uint8Array }
  /** key type 0: the file's name */
  name?: string
}

export interface FileKeyGrant {
  /** canonical text form of the file id */
  fileId: string
  /** peer ids as text (base58btc) */
  sender: string
  recipient: string
  /** GRANT_KEY_WRAPPED or GRANT_KEY_NONE */
  keyType: number
  /** WRAPPED_FILE_KEY_LENGTH bytes for key type 1, empty for key type 0 */
  wrappedKey: Uint8Array
  /** per-sender sequence number */
  seq: bigint
  /** unix ms the sender made it (its clock) */
  time: number
  inbox: GrantInboxCopy
}

export type KeysRefusalReason = 'rate-limited' | 'bad-request'

export type KeysRequest =
  | { push: Uint8Array[], fetch?: undefined }
  | { fetch: FileId, push?: undefined }

export type KeysResponse =
  | { refused: KeysRefusalReason }
  /** `grants` answer a fetch; `results` a push: one per pushed grant, in order */
  | { refused?: undefined, grants: Uint8Array[], results: Array<'accepted' | 'refused'> }

/** The payload bytes of a grant; throws InvalidMessageError for a value outside the limits */
export function encodeGrant (grant: FileKeyGrant): Uint8Array {
  const bytes = GrantPb.encode(toPb(grant))
  if (bytes.byteLength > MAX_GRANT_BYTES) throw new InvalidMessageError(`Grant of ${bytes.byteLength} bytes, at most ${MAX_GRANT_BYTES}`)
  return bytes
}

/** Decodes and bounds untrusted grant bytes; throws InvalidMessageError */
export function decodeGrant (bytes: Uint8Array): FileKeyGrant {
  const pb = decodeCanonical(bytes, MAX_GRANT_BYTES, GrantPb, {})
  if (pb.version !== GRANT_VERSION) throw new InvalidMessageError(`Grant format version ${pb.version}; this node reads ${GRANT_VERSION}`)
  return fromPb(pb)
}

function toPb (grant: FileKeyGrant): GrantPb {
  checkGrant(grant)
  const { encryption, name } = grant.inbox
  return {
    version: GRANT_VERSION,
    fileId: parseFileId(grant.fileId).bytes as Uint8Array<ArrayBuffer>,
    sender: peerIdToBytes(grant.sender) as Uint8Array<ArrayBuffer>,
    recipient: peerIdToBytes(grant.recipient) as Uint8Array<ArrayBuffer>,
    keyType: grant.keyType,
    wrappedKey: grant.wrappedKey as Uint8Array<ArrayBuffer>,
    seq: grant.seq,
    time: BigInt(grant.time),
    scheme: encryption?.scheme ?? 0,
    salt: (encryption?.salt ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    sealedMetadata: (encryption?.sealedMetadata ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    name: name ?? '',
    size: BigInt(grant.inbox.size)
  }
}

function fromPb (pb: GrantPb): FileKeyGrant {
  let fileId: FileId
  try {
    fileId = decodeFileId(pb.fileId)
  } catch {
    throw new InvalidMessageError('Grant file id is not a file id')
  }
  if (pb.size > BigInt(MAX_FILE_SIZE) || pb.time > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidMessageError('Grant size or time out of range')
  const wrapped = pb.keyType === GRANT_KEY_WRAPPED
  const grant: FileKeyGrant = {
    fileId: formatFileId(fileId),
    sender: peerIdFromBytes(pb.sender),
    recipient: peerIdFromBytes(pb.recipient),
    keyType: pb.keyType,
    wrappedKey: pb.wrappedKey,
    seq: pb.seq,
    time: Number(pb.time),
    inbox: wrapped
      ? { size: Number(pb.size), encryption: { scheme: pb.scheme, salt: pb.salt, sealedMetadata: pb.sealedMetadata } }
      : { size: Number(pb.size), name: pb.name }
  }
  // the fields of the other key type must be empty (checkGrant), so nothing is carried unchecked
  if (wrapped ? pb.name !== '' : (pb.scheme !== 0 || pb.salt.byteLength !== 0 || pb.sealedMetadata.byteLength !== 0)) {
    throw new InvalidMessageError('Grant carries fields of the other key type')
  }
  checkGrant(grant)
  return grant
}

/** Limits and the shape each key type requires */
function checkGrant (grant: FileKeyGrant): void {
  const { inbox } = grant
  if (!Number.isSafeInteger(inbox.size) || inbox.size < 0 || inbox.size > MAX_FILE_SIZE) throw new InvalidMessageError('Grant size out of range')
  if (!Number.isSafeInteger(grant.time) || grant.time < 0) throw new InvalidMessageError('Grant time out of range')
  if (grant.seq < 0n || grant.seq >= 2n ** 64n) throw new InvalidMessageError('Grant sequence number out of range')
  if (grant.sender === grant.recipient) throw new InvalidMessageError('A grant is for another peer than its sender')
  if (grant.keyType === GRANT_KEY_WRAPPED) {
    const enc = inbox.encryption
    if (grant.wrappedKey.byteLength !== WRAPPED_FILE_KEY_LENGTH) throw new InvalidMessageError(`A wrapped key is ${WRAPPED_FILE_KEY_LENGTH} bytes`)
    if (enc == null || enc.scheme !== ENCRYPTION_SCHEME_AES256GCM) throw new InvalidMessageError('Grant names no known encryption scheme')
    if (enc.salt.byteLength !== ENCRYPTION_SALT_LENGTH) throw new InvalidMessageError(`Grant salt is not ${ENCRYPTION_SALT_LENGTH} bytes`)
    if (enc.sealedMetadata.byteLength <= ENCRYPTION_TAG_LENGTH || enc.sealedMetadata.byteLength > MAX_SEALED_METADATA_BYTES) throw new InvalidMessageError('Grant sealed metadata out of range')
    if (inbox.name != null) throw new InvalidMessageError('A key grant carries no plaintext name')
    return
  }
  if (grant.keyType !== GRANT_KEY_NONE) throw new InvalidMessageError(`Unknown grant key type ${grant.keyType}`)
  if (grant.wrappedKey.byteLength !== 0 || inbox.encryption != null) throw new InvalidMessageError('A permission grant carries no key')
  const name = inbox.name ?? ''
  if (new TextEncoder().encode(name).byteLength > MAX_NAME_BYTES) throw new InvalidMessageError(`Grant name longer than ${MAX_NAME_BYTES} bytes`)
}

/** A grant's plaintext name as a receiver shows it: through the one sanitiser, 'unnamed' when nothing is left */
export function grantName (grant: FileKeyGrant): string {
  try {
    return sanitizeFileName(grant.inbox.name ?? '')
  } catch {
    return 'unnamed'
  }
}

export function encodeKeysRequest (request: KeysRequest): Uint8Array {
  if (request.push != null) {
    checkEnvelopes(request.push, 'push')
    if (request.push.length === 0) throw new InvalidMessageError('A push carries at least one grant')
    return checkSize(KeysRequestPb.encode({ push: request.push as Array<Uint8Array<ArrayBuffer>>, fetch: new Uint8Array(0) }))
  }
  return KeysRequestPb.encode({ push: [], fetch: request.fetch.bytes as Uint8Array<ArrayBuffer> })
}

export function decodeKeysRequest (bytes: Uint8Array | Uint8ArrayList): KeysRequest {
  const pb = decodeCanonical(bytes, MAX_KEYS_MESSAGE_BYTES, KeysRequestPb, { limits: { push: MAX_GRANTS_PER_MESSAGE } })
  if (pb.push.length > 0 && pb.fetch.byteLength > 0) throw new InvalidMessageError('A keys request is a push or a fetch, not both')
  if (pb.push.length > 0) {
    checkEnvelopes(pb.push, 'push')
    return { push: pb.push }
  }
  try {
    return { fetch: decodeFileId(pb.fetch) }
  } catch {
    throw new InvalidMessageError('A keys request names no file id')
  }
}

const REFUSAL_TO_PB: Record<KeysRefusalReason, KeysRefusal> = { 'rate-limited': KeysRefusal.RATE_LIMITED, 'bad-request': KeysRefusal.BAD_REQUEST }

export function encodeKeysResponse (response: KeysResponse): Uint8Array {
  if (response.refused != null) return KeysResponsePb.encode({ grants: [], results: new Uint8Array(0), refused: REFUSAL_TO_PB[response.refused] })
  checkEnvelopes(response.grants, 'grants')
  if (response.results.length > MAX_GRANTS_PER_MESSAGE) throw new InvalidMessageError(`${response.results.length} push results, at most ${MAX_GRANTS_PER_MESSAGE}`)
  const results = Uint8Array.from(response.results, r => r === 'accepted' ? 0 : 1)
  return checkSize(KeysResponsePb.encode({ grants: response.grants as Array<Uint8Array<ArrayBuffer>>, results, refused: KeysRefusal.NONE }))
}

export function decodeKeysResponse (bytes: Uint8Array | Uint8ArrayList): KeysResponse {
  const pb = decodeCanonical(bytes, MAX_KEYS_MESSAGE_BYTES, KeysResponsePb, { limits: { grants: MAX_GRANTS_PER_MESSAGE } })
  if (pb.refused === KeysRefusal.RATE_LIMITED) return { refused: 'rate-limited' }
  if (pb.refused === KeysRefusal.BAD_REQUEST) return { refused: 'bad-request' }
  if (pb.refused !== KeysRefusal.NONE) throw new InvalidMessageError('Unknown refusal')
  checkEnvelopes(pb.grants, 'grants')
  if (pb.results.byteLength > MAX_GRANTS_PER_MESSAGE || pb.results.some(r => r > 1)) throw new InvalidMessageError('Push results out of range')
  return { grants: pb.grants, results: [...pb.results].map(r => r === 0 ? 'accepted' : 'refused') }
}

function checkEnvelopes (entries: Uint8Array[], field: string): void {
  if (entries.length > MAX_GRANTS_PER_MESSAGE) throw new InvalidMessageError(`${entries.length} ${field} entries, at most ${MAX_GRANTS_PER_MESSAGE}`)
  for (const entry of entries) {
    if (entry.byteLength === 0 || entry.byteLength > MAX_SIGNED_GRANT_BYTES) throw new InvalidMessageError(`A signed grant of ${entry.byteLength} bytes; 1 to ${MAX_SIGNED_GRANT_BYTES}`)
  }
}

function checkSize (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_KEYS_MESSAGE_BYTES) throw new InvalidMessageError(`Keys message of ${bytes.byteLength} bytes exceeds ${MAX_KEYS_MESSAGE_BYTES}`)
  return bytes
}
