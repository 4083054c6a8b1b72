/**
 * How a chunk is cut into parts: the end game of a multi-source download asks for its
 * last chunks in parts (exchange `Request.part`), and a provider serves only these
 * ranges, so that one part costs it at most one read of its chunk per quarter sent.
 */
import { chunkLength, type Manifest } from './manifest.js'

/** Parts a chunk splits into */
export const PARTS_PER_CHUNK = 4
/** Chunks shorter than PARTS_PER_CHUNK of these are never split: a smaller part saves less time than its request costs */
export const MIN_PART_BYTES = 16 * 1024

/** A byte range of one chunk */
export interface ChunkPart {
  offset: number
  length: number
}

/** True when chunk `index` of `manifest` is long enough to be split into parts */
export function partable (manifest: Pick<Manifest, 'size' | 'chunkSize'>, index: number): boolean {
  return chunkLength(manifest, index) >= PARTS_PER_CHUNK * MIN_PART_BYTES
}

/** The bytes of part `part` of chunk `index`: equal parts, the last one shorter */
export function partRange (manifest: Pick<Manifest, 'size' | 'chunkSize'>, index: number, part: number): ChunkPart {
  const length = chunkLength(manifest, index)
  const size = Math.ceil(length / PARTS_PER_CHUNK)
  const offset = part * size
  return { offset, length: Math.min(size, length - offset) }
}

/** Which part of chunk `index` starts at `offset` and is `length` long; undefined when none does (or the chunk is not split) */
export function partAt (manifest: Pick<Manifest, 'size' | 'chunkSize'>, index: number, offset: number, length: number): number | undefined {
  if (!partable(manifest, index)) return undefined
  const part = Math.floor(offset / Math.ceil(chunkLength(manifest, index) / PARTS_PER_CHUNK))
  if (part >= PARTS_PER_CHUNK) return undefined
  const range = partRange(manifest, index, part)
  return range.offset === offset && range.length === length ? part : undefined
}
