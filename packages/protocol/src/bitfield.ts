/**
 * A fixed-length set of chunk indices as bits (bit i is byte i>>3, most significant
 * bit first, as BitTorrent does): which chunks a peer has, or a download verified.
 */
import { InvalidMessageError } from './errors.js'

export class Bitfield {
  readonly length: number
  private readonly bytes: Uint8Array
  private ones = 0

  constructor (length: number, bytes?: Uint8Array) {
    this.length = length
    this.bytes = new Uint8Array(Math.ceil(length / 8))
    if (bytes != null) {
      this.bytes.set(bytes)
      for (let i = 0; i < length; i++) if (this.has(i)) this.ones++
    }
  }

  /** A bitfield with every bit set */
  static full (length: number): Bitfield {
    const field = new Bitfield(length)
    for (let i = 0; i < length; i++) field.set(i)
    return field
  }

  /** Parses an untrusted bitfield for `length` chunks: right size, no bits past the end */
  static decode (length: number, bytes: Uint8Array): Bitfield {
    if (bytes.byteLength !== Math.ceil(length / 8)) {
      throw new InvalidMessageError(`Bitfield of ${bytes.byteLength} bytes for ${length} chunks`)
    }
    const spare = bytes.byteLength * 8 - length
    if (spare > 0 && (bytes[bytes.byteLength - 1] & ((1 << spare) - 1)) !== 0) {
      throw new InvalidMessageError('Bitfield has bits set past its end')
    }
    return new Bitfield(length, bytes)
  }

  has (index: number): boolean {
    return index >= 0 && index < this.length && (this.bytes[index >> 3] & (0x80 >> (index & 7))) !== 0
  }

  set (index: number): void {
    if (index < 0 || index >= this.length || this.has(index)) return
    this.bytes[index >> 3] |= 0x80 >> (index & 7)
    this.ones++
  }

  clear (index: number): void {
    if (!this.has(index)) return
    this.bytes[index >> 3] &= ~(0x80 >> (index & 7))
    this.ones--
  }

  /** How many bits are set */
  get count (): number {
    return this.ones
  }

  get complete (): boolean {
    return this.ones === this.length
  }

  /** Indices of the bits that are not set, in order */
  missing (): number[] {
    const out: number[] = []
    for (let i = 0; i < this.length; i++) if (!this.has(i)) out.push(i)
    return out
  }

  toBytes (): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}
