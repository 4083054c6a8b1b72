/**
 * The chunk picker's units of work and what it knows of each source. Work is keyed by
 * number so that queues and claims hold chunks and parts alike: a whole chunk by its
 * index, part p of chunk i by count + i * PARTS_PER_CHUNK + p (`partKey`).
 */
import { type Bitfield, PARTS_PER_CHUNK } from '@peershare/protocol'

/** What a source is to fetch: a whole chunk, or part `part` (0 to PARTS_PER_CHUNK - 1) of it */
export interface Work {
  index: number
  part?: number
  /** the source whose copy this one replaces in the end game: it is to stop fetching it */
  evicted?: string
}

/** A source as the picker sees it */
export interface PickerSource {
  have: Bitfield
  /** work keys (chunks, parts) this source is fetching, in the order it was asked for them */
  inFlight: Set<number>
  /** bytes per second it delivers, as its worker last reported; 0 while unknown */
  rate: number
  /** it answers Requests for parts */
  parts: boolean
}

/** The keys of a file of `count` chunks */
export class WorkKeys {
  constructor (readonly count: number) {}

  /** True for a whole chunk's key, false for a part's */
  isWhole (key: number): boolean {
    return key < this.count
  }

  partKey (index: number, part: number): number {
    return this.count + index * PARTS_PER_CHUNK + part
  }

  /** The keys of chunk `index` whole and of its parts */
  keysOf (index: number): number[] {
    return [index, ...Array.from({ length: PARTS_PER_CHUNK }, (_, part) => this.partKey(index, part))]
  }

  workOf (key: number): Work {
    if (this.isWhole(key)) return { index: key }
    const k = key - this.count
    return { index: Math.floor(k / PARTS_PER_CHUNK), part: k % PARTS_PER_CHUNK }
  }

  /** A unit of work in chunks: 1 whole, 1 / PARTS_PER_CHUNK a part */
  weight (key: number): number {
    return this.isWhole(key) ? 1 : 1 / PARTS_PER_CHUNK
  }

  weightOf (keys: Iterable<number>): number {
    let sum = 0
    for (const key of keys) sum += this.weight(key)
    return sum
  }
}
