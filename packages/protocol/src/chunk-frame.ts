/**
 * Chunk messages without copying chunk data. A Chunk is most of the bytes that cross
 * the wire, so encoding writes only its small protobuf header and leaves the data to
 * be sent as it is, and decoding reads the header and hands back the data as the list
 * of received pieces. The generic decoder reads these bytes as the same Chunk (fields in
 * the order index, hash, data); other messages, and chunks laid out otherwise, still go
 * through the protons codecs.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { MAX_CHUNK_SIZE, MAX_CHUNKS, SHA256_LENGTH } from './constants.js'
import { InvalidMessageError } from './errors.js'
import { checkPart } from './messages.js'

/** ExchangeMessage field 4 (chunk), wire type 2 (length-delimited) */
const CHUNK_TAG = 0x22
const INDEX_TAG = 0x08
const HASH_TAG = 0x12
const DATA_TAG = 0x1a
/** Chunk field 4 (compressed) set: written after the data, as the generic encoder does */
const COMPRESSED_TRAILER = Uint8Array.of(0x20, 0x01)
/** Chunk field 5 (offset, a part's place in its chunk), varint: written last, as the generic encoder does */
const OFFSET_TAG = 0x28

/**
 * The message as parts: a small header, then the chunk data itself (not copied: one
 * buffer, or the pieces of a list). The bytes are exactly what the generic encoder
 * writes (index 0 and empty data left out), so the generic decoder, which accepts only
 * that encoding, reads them too.
 */
export function encodeChunkFrame (index: number, hash: Uint8Array, data: Uint8Array | Uint8ArrayList, compressed = false, offset?: number): Uint8Array[] {
  const inner: number[] = index === 0 ? [] : [INDEX_TAG, ...varint(index)]
  if (hash.byteLength > 0) inner.push(HASH_TAG, ...varint(hash.byteLength), ...hash)
  const dataHeader = data.byteLength === 0 ? [] : [DATA_TAG, ...varint(data.byteLength)]
  const trailer = [...(compressed ? COMPRESSED_TRAILER : []), ...(offset == null ? [] : [OFFSET_TAG, ...varint(offset)])]
  const innerLength = inner.length + dataHeader.length + data.byteLength + trailer.length
  const pieces = data instanceof Uint8Array ? [data] : [...data]
  return [Uint8Array.from([CHUNK_TAG, ...varint(innerLength), ...inner, ...dataHeader]), ...pieces, ...(trailer.length > 0 ? [Uint8Array.from(trailer)] : [])]
}

/** True when a received message is a Chunk (the only message that starts with this tag) */
export function isChunkFrame (frame: Uint8ArrayList): boolean {
  return frame.byteLength > 0 && frame.get(0) === CHUNK_TAG
}

/**
 * Reads a Chunk message in our field order, returning the data as a sublist of the
 * frame; undefined when the frame is laid out otherwise (the caller then falls back
 * to the generic decoder). Throws InvalidMessageError on values out of range.
 */
export function decodeChunkFrame (frame: Uint8ArrayList): { index: number, hash: Uint8Array, data: Uint8ArrayList, compressed: boolean, offset?: number } | undefined {
  const reader = new Reader(frame)
  if (reader.byte() !== CHUNK_TAG) return undefined
  const innerLength = reader.varint()
  if (reader.pos + innerLength !== frame.byteLength) return undefined
  let tag = reader.byte()
  let index = 0
  if (tag === INDEX_TAG) {
    index = reader.varint()
    tag = reader.byte()
  }
  let hash: Uint8Array = new Uint8Array(0)
  if (tag === HASH_TAG) {
    const length = reader.varint()
    if (length !== SHA256_LENGTH) throw new InvalidMessageError('Chunk hash is not 32 bytes')
    hash = frame.subarray(reader.pos, reader.pos + length)
    reader.pos += length
    tag = reader.byte()
  }
  let data = new Uint8ArrayList()
  if (tag === DATA_TAG) {
    const length = reader.varint()
    if (length > MAX_CHUNK_SIZE) throw new InvalidMessageError(`Chunk data over ${MAX_CHUNK_SIZE} bytes`)
    if (reader.pos + length > frame.byteLength) return undefined
    data = frame.sublist(reader.pos, reader.pos + length)
    reader.pos += length
    tag = reader.byte()
  }
  // then, as the generic encoder writes them: compressed when set, the offset when given
  let compressed = false
  if (tag === COMPRESSED_TRAILER[0]) {
    if (reader.byte() !== COMPRESSED_TRAILER[1]) return undefined
    compressed = true
    tag = reader.byte()
  }
  let offset: number | undefined
  if (tag === OFFSET_TAG) {
    offset = reader.varint()
    tag = reader.byte()
  }
  if (tag !== -1) return undefined
  if (index >= MAX_CHUNKS) throw new InvalidMessageError(`Chunk index ${index} out of range`)
  if (offset == null) return { index, hash, data, compressed }
  checkPart(offset, data.byteLength, compressed)
  return { index, hash, data, compressed, offset }
}

class Reader {
  pos = 0
  constructor (private readonly list: Uint8ArrayList) {}

  byte (): number {
    if (this.pos >= this.list.byteLength) return -1
    return this.list.get(this.pos++)
  }

  varint (): number {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      if (b < 0) throw new InvalidMessageError('Truncated chunk message')
      value += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return value
    }
    throw new InvalidMessageError('Varint too long in chunk message')
  }
}

function varint (value: number): number[] {
  const out: number[] = []
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}
