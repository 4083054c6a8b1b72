/**
 * Shared test helpers: deterministic file contents and manifests built independently
 * of the code under test (node:crypto, not multiformats).
 */
import { createHash } from 'node:crypto'
import { MANIFEST_VERSION, MIN_CHUNK_SIZE, type Manifest } from '../src/index.js'

export function sha256 (data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/** `size` pseudo-random bytes, the same for the same seed */
export function bytesOf (size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    // xorshift32
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** The manifest of `data` cut into `chunkSize` chunks */
export function manifestOf (data: Uint8Array, chunkSize = MIN_CHUNK_SIZE): Manifest {
  const chunkHashes: Uint8Array[] = []
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    chunkHashes.push(sha256(data.subarray(offset, offset + chunkSize)))
  }
  return { version: MANIFEST_VERSION, size: data.byteLength, chunkSize, chunkHashes, sha256: sha256(data) }
}

/** A plain copy of a manifest with hex strings, for deepStrictEqual */
export function plainManifest (m: Manifest): Record<string, unknown> {
  return {
    version: m.version,
    size: m.size,
    chunkSize: m.chunkSize,
    chunkHashes: m.chunkHashes.map(toHex),
    sha256: toHex(m.sha256)
  }
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Every strict prefix of `bytes`, or `count` evenly spread ones when there are more */
export function prefixesOf (bytes: Uint8Array, count = 400): Uint8Array[] {
  const step = Math.max(1, Math.floor(bytes.byteLength / count))
  const out: Uint8Array[] = []
  for (let len = 0; len < bytes.byteLength; len += step) out.push(bytes.subarray(0, len))
  out.push(bytes.subarray(0, bytes.byteLength - 1))
  return out
}
