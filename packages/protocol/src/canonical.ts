/**
 * Decoding untrusted protobuf bytes strictly: within a size bound, and only the
 * encoding our own encoder writes. The protobuf reader keeps the low 32 bits of a
 * larger varint, takes the last of repeated fields and skips unknown ones, and every
 * such message re-encodes to other bytes.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { InvalidMessageError } from './errors.js'

/** What protons generates for a message */
export interface PbCodec<T> {
  encode(obj: Partial<T>): Uint8Array
  decode(buf: Uint8Array | Uint8ArrayList, opts?: any): T
}

/** Decodes `bytes` (at most `maxBytes`) with `codec`; throws InvalidMessageError unless canonical */
export function decodeCanonical<T> (bytes: Uint8Array | Uint8ArrayList, maxBytes: number, codec: PbCodec<T>, options: object): T {
  if (bytes.byteLength > maxBytes) throw new InvalidMessageError(`Message of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`)
  const received = bytes instanceof Uint8Array ? bytes : bytes.subarray()
  let pb: T
  let again: Uint8Array
  try {
    pb = codec.decode(received, options)
    again = codec.encode(pb)
  } catch (err: any) {
    throw new InvalidMessageError(`Malformed message: ${String(err?.message ?? err).slice(0, 200)}`)
  }
  if (!equals(again, received)) throw new InvalidMessageError('Message not in canonical encoding (a value out of range, a repeated or unknown field)')
  return pb
}
