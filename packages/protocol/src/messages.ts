/**
 * Exchange messages as typed values. `decodeMessage` (and, for chunk data, `decodeChunkFrame`) is how bytes
 * from a peer become a message: it enforces size limits, requires exactly one field,
 * range-checks numbers, bounds lists and sanitises names.
 */
import {
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_CHUNKS_PER_REQUEST,
  MAX_DESCRIPTION_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_MANIFEST_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_MIME_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  SHA256_LENGTH
} from './constants.js'
import type { ChunkPart } from './chunk-parts.js'
import { InvalidMessageError } from './errors.js'
import { decodeFileId, type FileId } from './file-id.js'
import { sanitizeFileName } from './names.js'
import { ExchangeMessage as Pb, Failure, Priority as PbPriority } from './pb/exchange.js'
import type { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'

export type Priority = 'low' | 'normal' | 'high'
/** How compressed chunk data is encoded on the wire (stored data never is) */
export type ChunkEncoding = 'zstd' | 'gzip'
export type FailureCode = 'unknown' | 'not-found' | 'bad-request' | 'busy' | 'internal'

/** Descriptive metadata: unverified, but bounded and with a sanitised name */
export interface FileMetadata {
  name: string
  mimeType: string
  description: string
  tags: string[]
  /** unix milliseconds */
  created: number
}

export type Message =
  | { type: 'want', fileId?: FileId, sha256?: Uint8Array, accept?: ChunkEncoding[], first?: { chunks: number[], priority: Priority }, parts?: boolean }
  | { type: 'offer', fileId: FileId, manifest: Uint8Array, metadata: FileMetadata, have?: Uint8Array, encoding?: ChunkEncoding, parts?: boolean }
  | { type: 'have', chunks: number[] }
  | { type: 'request', chunks: number[], priority: Priority, part?: ChunkPart }
  | { type: 'chunk', index: number, hash: Uint8Array, data: Uint8Array, compressed?: boolean, offset?: number }
  | { type: 'cancel', chunks: number[], part?: ChunkPart }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'complete' }
  | { type: 'failure', code: FailureCode, message: string }

/** Want.accept bit saying the downloader reads Offer.parts (no encoding: providers ignore bits they do not know) */
const PARTS_BIT = 1 << 16

/** Wire numbers of the encodings (Want.accept is a bit set of 1 << number) */
const ENCODING_TO_PB: Record<ChunkEncoding, number> = { zstd: 1, gzip: 2 }
const ENCODING_FROM_PB: Record<number, ChunkEncoding> = { 1: 'zstd', 2: 'gzip' }
const PRIORITY_TO_PB: Record<Priority, PbPriority> = { low: PbPriority.LOW, normal: PbPriority.NORMAL, high: PbPriority.HIGH }
const PRIORITY_FROM_PB: Record<PbPriority, Priority> = { LOW: 'low', NORMAL: 'normal', HIGH: 'high' }
const CODE_TO_PB: Record<FailureCode, Failure.Code> = {
  unknown: Failure.Code.UNKNOWN,
  'not-found': Failure.Code.NOT_FOUND,
  'bad-request': Failure.Code.BAD_REQUEST,
  busy: Failure.Code.BUSY,
  internal: Failure.Code.INTERNAL
}
const CODE_FROM_PB: Record<Failure.Code, FailureCode> = {
  UNKNOWN: 'unknown',
  NOT_FOUND: 'not-found',
  BAD_REQUEST: 'bad-request',
  BUSY: 'busy',
  INTERNAL: 'internal'
}

export function encodeMessage (msg: Message): Uint8Array {
  return Pb.encode(toPb(msg))
}

function toPb (msg: Message): Partial<Pb> {
  const bytes = (b: Uint8Array | undefined): Uint8Array<ArrayBuffer> => (b ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>
  switch (msg.type) {
    case 'want': return {
      want: {
        fileId: bytes(msg.fileId?.bytes),
        sha256: bytes(msg.sha256),
        accept: encodeAccept(msg.accept) | (msg.parts === true ? PARTS_BIT : 0),
        ...(msg.first == null ? {} : { first: { chunks: msg.first.chunks, priority: PRIORITY_TO_PB[msg.first.priority] } })
      }
    }
    case 'offer': return {
      offer: {
        fileId: bytes(msg.fileId.bytes),
        manifest: bytes(msg.manifest),
        metadata: { ...msg.metadata, created: BigInt(Math.max(0, Math.floor(msg.metadata.created))) },
        have: bytes(msg.have),
        encoding: msg.encoding == null ? 0 : ENCODING_TO_PB[msg.encoding],
        parts: msg.parts === true
      }
    }
    case 'have': return { have: { chunks: msg.chunks } }
    case 'request': return { request: { chunks: msg.chunks, priority: PRIORITY_TO_PB[msg.priority], ...(msg.part == null ? {} : { part: msg.part }) } }
    case 'chunk': return { chunk: { index: msg.index, hash: bytes(msg.hash), data: bytes(msg.data), compressed: msg.compressed === true, ...(msg.offset == null ? {} : { offset: msg.offset }) } }
    case 'cancel': return { cancel: { chunks: msg.chunks, ...(msg.part == null ? {} : { part: msg.part }) } }
    case 'pause': return { pause: {} }
    case 'resume': return { resume: {} }
    case 'complete': return { complete: {} }
    case 'failure': return { failure: { code: CODE_TO_PB[msg.code], message: msg.message.slice(0, MAX_ERROR_MESSAGE_LENGTH) } }
  }
}

/** Decodes and validates one message from a peer; throws InvalidMessageError */
export function decodeMessage (bytes: Uint8Array | Uint8ArrayList): Message {
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new InvalidMessageError(`Message of ${bytes.byteLength} bytes exceeds the limit of ${MAX_MESSAGE_BYTES}`)
  }
  let pb: Pb
  try {
    pb = Pb.decode(bytes, {
      limits: {
        request: { chunks: MAX_CHUNKS_PER_REQUEST },
        want: { first: { chunks: MAX_CHUNKS_PER_REQUEST } },
        cancel: { chunks: MAX_CHUNKS_PER_REQUEST },
        have: { chunks: MAX_CHUNKS_PER_REQUEST },
        offer: { metadata: { tags: MAX_TAGS } }
      }
    })
  } catch (err: any) {
    throw new InvalidMessageError(`Malformed message: ${err.message}`)
  }
  checkCanonical(pb, bytes)
  const set = Object.entries(pb).filter(([, v]) => v != null)
  if (set.length !== 1) {
    throw new InvalidMessageError(`A message carries exactly one field, got ${set.length}`)
  }
  return fromPb(pb)
}

/**
 * Only the encoding our encoder writes is accepted. The protons reader keeps the low
 * 32 bits of a larger varint (index 2^32 would read as 0, a length of 2^32 + 5 as 5),
 * takes the last of repeated fields and skips unknown ones; any of these re-encodes to
 * other bytes, so one message has exactly one encoding and no value is read modulo
 * anything. (Chunk messages in the usual layout skip this: `decodeChunkFrame` reads
 * their varints whole.)
 */
function checkCanonical (pb: Pb, bytes: Uint8Array | Uint8ArrayList): void {
  let again: Uint8Array
  try {
    again = Pb.encode(pb)
  } catch (err: any) {
    throw new InvalidMessageError(`Malformed message: ${err.message}`)
  }
  const received = bytes instanceof Uint8Array ? bytes : bytes.subarray()
  if (!equals(again, received)) {
    throw new InvalidMessageError('Message not in canonical encoding (a value out of range, a repeated or unknown field)')
  }
}

function fromPb (pb: Pb): Message {
  if (pb.want != null) return decodeWant(pb.want)
  if (pb.offer != null) return decodeOffer(pb.offer)
  if (pb.request != null) return decodeRequest(pb.request)
  if (pb.chunk != null) return decodeChunk(pb.chunk)
  if (pb.cancel != null) return decodeCancel(pb.cancel)
  if (pb.have != null) return { type: 'have', chunks: checkIndices(pb.have.chunks) }
  if (pb.pause != null) return { type: 'pause' }
  if (pb.resume != null) return { type: 'resume' }
  if (pb.complete != null) return { type: 'complete' }
  const failure = pb.failure as Failure
  return {
    type: 'failure',
    code: CODE_FROM_PB[failure.code] ?? 'unknown',
    message: failure.message.slice(0, MAX_ERROR_MESSAGE_LENGTH)
  }
}

function decodeWant (want: NonNullable<Pb['want']>): Message {
  const hasId = want.fileId.byteLength > 0
  const hasHash = want.sha256.byteLength > 0
  if (hasId === hasHash) throw new InvalidMessageError('Want names a file by exactly one of file id or sha256')
  if (hasHash && want.sha256.byteLength !== SHA256_LENGTH) throw new InvalidMessageError('Want sha256 is not 32 bytes')
  const named: Message = hasId ? { type: 'want', fileId: wrapFileId(want.fileId) } : { type: 'want', sha256: want.sha256 }
  const accept = decodeAccept(want.accept)
  if (want.first?.part != null) throw new InvalidMessageError('Want.first asks for whole chunks, not a part')
  const first = want.first == null ? undefined : { chunks: checkIndices(want.first.chunks), priority: PRIORITY_FROM_PB[want.first.priority] ?? 'normal' }
  const parts = (want.accept & PARTS_BIT) !== 0
  return { ...named, ...(accept.length > 0 ? { accept } : {}), ...(first == null ? {} : { first }), ...(parts ? { parts } : {}) }
}

function decodeRequest (request: NonNullable<Pb['request']>): Message {
  const msg: Message = { type: 'request', chunks: checkIndices(request.chunks), priority: PRIORITY_FROM_PB[request.priority] ?? 'normal' }
  if (request.part == null) return msg
  return { ...msg, part: checkedPart(request.chunks, request.part) }
}

/** A part in a Request or Cancel: of exactly one chunk, not empty, within the largest chunk */
function checkedPart (chunks: number[], part: ChunkPart): ChunkPart {
  const { offset, length } = part
  if (chunks.length !== 1) throw new InvalidMessageError('A message about a part names exactly one chunk')
  if (length === 0 || offset + length > MAX_CHUNK_SIZE) throw new InvalidMessageError(`Part ${offset}+${length} is empty or beyond the largest chunk`)
  return { offset, length }
}

function decodeCancel (cancel: NonNullable<Pb['cancel']>): Message {
  const msg: Message = { type: 'cancel', chunks: checkIndices(cancel.chunks) }
  if (cancel.part == null) return msg
  return { ...msg, part: checkedPart(cancel.chunks, cancel.part) }
}

function decodeChunk (chunk: NonNullable<Pb['chunk']>): Message {
  const { index, hash, data, compressed, offset } = chunk
  checkIndex(index)
  if (hash.byteLength !== 0 && hash.byteLength !== SHA256_LENGTH) throw new InvalidMessageError('Chunk hash is not 32 bytes')
  if (data.byteLength > MAX_CHUNK_SIZE) throw new InvalidMessageError(`Chunk data over ${MAX_CHUNK_SIZE} bytes`)
  const msg: Message = compressed ? { type: 'chunk', index, hash, data, compressed } : { type: 'chunk', index, hash, data }
  if (offset == null) return msg
  checkPart(offset, data.byteLength, compressed)
  return { ...msg, offset }
}

/** A part of a chunk as a provider sends it: not empty, within the largest chunk, raw */
export function checkPart (offset: number, length: number, compressed: boolean): void {
  if (compressed) throw new InvalidMessageError('A part of a chunk is never compressed')
  if (length === 0 || offset + length > MAX_CHUNK_SIZE) throw new InvalidMessageError(`Part ${offset}+${length} is empty or beyond the largest chunk`)
}

/** Bits we do not know are encodings of newer peers: ignored, not an error */
function decodeAccept (bits: number): ChunkEncoding[] {
  return Object.entries(ENCODING_FROM_PB).filter(([n]) => (bits & (1 << Number(n))) !== 0).map(([, e]) => e)
}

function encodeAccept (accept: ChunkEncoding[] | undefined): number {
  return (accept ?? []).reduce((bits, e) => bits | (1 << ENCODING_TO_PB[e]), 0)
}

function decodeOffer (offer: NonNullable<Pb['offer']>): Message {
  if (offer.manifest.byteLength === 0 || offer.manifest.byteLength > MAX_MANIFEST_BYTES) {
    throw new InvalidMessageError('Offer manifest is empty or too large')
  }
  if (offer.have.byteLength > Math.ceil(MAX_CHUNKS / 8)) throw new InvalidMessageError('Offer bitfield too large')
  let msg: Message = { type: 'offer', fileId: wrapFileId(offer.fileId), manifest: offer.manifest, metadata: decodeMetadata(offer.metadata) }
  if (offer.encoding !== 0) {
    const encoding = ENCODING_FROM_PB[offer.encoding]
    if (encoding == null) throw new InvalidMessageError(`Offer names unknown encoding ${offer.encoding}`)
    msg = { ...msg, encoding }
  }
  if (offer.parts) msg = { ...msg, parts: true }
  return offer.have.byteLength > 0 ? { ...msg, have: offer.have } : msg
}

/** Validates metadata from a peer; the name passes the one sanitiser */
export function decodeMetadata (md: { name: string, mimeType: string, description: string, tags: string[], created: bigint | number } | undefined): FileMetadata {
  if (md == null) throw new InvalidMessageError('Offer has no metadata')
  if (md.description.length > MAX_DESCRIPTION_LENGTH) throw new InvalidMessageError('Description too long')
  if (md.mimeType.length > MAX_MIME_LENGTH) throw new InvalidMessageError('MIME type too long')
  if (md.tags.length > MAX_TAGS) throw new InvalidMessageError('Too many tags')
  if (md.tags.some(t => t.length === 0 || t.length > MAX_TAG_LENGTH)) throw new InvalidMessageError('A tag is empty or too long')
  let name: string
  try {
    name = sanitizeFileName(md.name)
  } catch {
    name = 'unnamed'
  }
  const created = Number(md.created)
  return {
    name,
    mimeType: md.mimeType,
    description: md.description,
    tags: md.tags,
    created: Number.isSafeInteger(created) ? created : 0
  }
}

function wrapFileId (bytes: Uint8Array): FileId {
  try {
    return decodeFileId(bytes)
  } catch (err: any) {
    throw new InvalidMessageError(err.message)
  }
}

function checkIndex (index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new InvalidMessageError(`Chunk index ${index} out of range`)
  return index
}

function checkIndices (indices: number[]): number[] {
  for (const i of indices) checkIndex(i)
  return indices
}
