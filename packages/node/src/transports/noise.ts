/**
 * noise as peershare runs it: @chainsafe/libp2p-noise 17 with two costs of its Node path
 * taken out of every transport frame (up to 64 KiB; 16,384 per GiB on each side).
 *
 * - ChaCha20-Poly1305 keyed by a KeyObject made once per key (`noiseCrypto`). The
 *   library passes the raw key bytes to `createCipheriv` / `createDecipheriv` for every
 *   frame, and Node 24 first asks whether those bytes are a KeyObject, then a CryptoKey,
 *   each by catching a TypeError: two exceptions per frame, each capturing a stack
 *   trace. Deep in a transfer's optimized frames that cost the receiver's event loop
 *   about 80 µs a frame (CPU profile of a 256 MiB get: 337 ms of 4.5 s in
 *   `getKeyObjectSlots` / `getSlots`). A KeyObject passes the first check at once.
 * - No copy of a frame that came in pieces (`decryptFrames`). A frame spans two socket
 *   reads more often than not; the library then copies its body into one array to hand
 *   the cipher as `dst`, a place to decrypt into, which only its WebAssembly cipher uses
 *   (frames under 1,200 bytes); node:crypto returns new buffers. That copy was 205 ms of
 *   the same get's 3.0 s, and 64 KiB more garbage per frame.
 * - No copy of a frame's body to put its tag behind it (`encrypt`): a sealed frame is the
 *   cipher's body and its 16-byte tag as a list. The library hands the pieces to the
 *   transport, and a TCP connection writes a tick's pieces in one `writev` (tcp-writes.ts),
 *   so the copy bought nothing. It was 0.25 s of CPU per GiB sent (0.95-1.01 s against
 *   0.71-0.76 s to seal a GiB in 64 KiB frames, measured alone). Other transports send
 *   each piece as it is: over WebSockets a frame is three messages (length, body, tag), not two.
 * - No new exception at the end of every socket read (`noiseFrameLength`). The library's
 *   frame decoder reads frame lengths until fewer than 2 bytes are left, and its length
 *   function says so by throwing a new RangeError, stack trace and all: once per read,
 *   6.5 µs each against 0.5 µs with one error made at load (measured). In a CPU profile
 *   of a 100-node DHT bench worker during provides that was 6% of its time (2.4 s of 40 s).
 *
 * The rest is the library's: small frames go to its WebAssembly cipher as before, the
 * hashes, X25519 and the handshake are unchanged.
 */
import { type Cipheriv, type Decipheriv, type KeyObject, createCipheriv, createDecipheriv, createSecretKey, timingSafeEqual } from 'node:crypto'
import { type ICryptoInterface, type NoiseExtensions, noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ConnectionEncrypter } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { coalesceTcpWrites } from './tcp-writes.js'

const CHACHA_POLY1305 = 'chacha20-poly1305'
const TAG_BYTES = 16
/** Largest noise transport message, tag included */
const NOISE_MAX_FRAME_BYTES = 65535
/** Below this many bytes the library's WebAssembly cipher is faster than node:crypto (its own threshold) */
const SMALL_FRAME_BYTES = 1200

type Encrypt = ICryptoInterface['chaCha20Poly1305Encrypt']
type Decrypt = ICryptoInterface['chaCha20Poly1305Decrypt']
/** The Uint8ArrayList of noise's own version (it has its own copy of the package) */
type NoiseList = Exclude<Parameters<Encrypt>[0], Uint8Array>

/** An empty list of the class `list` is of: noise's, whatever its version */
function emptyLike (list: NoiseList): NoiseList {
  return new (list.constructor as new () => NoiseList)()
}

/** A key's KeyObject, with a copy of the bytes it was made from */
interface CachedKey { bytes: Uint8Array, key: KeyObject }

/**
 * Keyed by the key's own array: a noise CipherState keeps one `k` for its life and makes
 * a new array for a new key, so a session's frames find theirs and it goes with the
 * session. The bytes are compared too, so a key changed in place is never used stale.
 */
const keys = new WeakMap<Uint8Array, CachedKey>()

/** The KeyObject of raw key bytes `k` */
export function keyObjectOf (k: Uint8Array): KeyObject {
  const cached = keys.get(k)
  if (cached != null && cached.bytes.byteLength === k.byteLength && timingSafeEqual(cached.bytes, k)) return cached.key
  const key = createSecretKey(k)
  keys.set(k, { bytes: Uint8Array.from(k), key })
  return key
}

/** A list's pieces through a cipher, each piece's output a piece of the list returned (noise's class), then its final block */
function updateAll (cipher: Cipheriv | Decipheriv, pieces: NoiseList): NoiseList {
  const output = emptyLike(pieces)
  for (const buf of pieces) output.append(cipher.update(buf))
  const final = cipher.final()
  if (final.byteLength > 0) output.append(final)
  return output
}

const encrypt: Encrypt = (plaintext, nonce, ad, k) => {
  if (plaintext.byteLength < SMALL_FRAME_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
  const cipher = createCipheriv(CHACHA_POLY1305, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
  if (plaintext instanceof Uint8Array) {
    const body = cipher.update(plaintext)
    const final = cipher.final()
    // the cipher's own body and tag, not copied into one array (see the top of this file)
    const sealed = final.byteLength > 0 ? new Uint8ArrayList(body, final) : new Uint8ArrayList(body)
    sealed.append(cipher.getAuthTag())
    return sealed as unknown as NoiseList
  }
  const output = updateAll(cipher, plaintext)
  output.append(cipher.getAuthTag())
  return output
}

const decrypt: Decrypt = (ciphertext, nonce, ad, k, dst) => {
  if (ciphertext.byteLength < SMALL_FRAME_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  const bodyLength = ciphertext.byteLength - TAG_BYTES
  const decipher = createDecipheriv(CHACHA_POLY1305, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(ad, { plaintextLength: bodyLength })
  decipher.setAuthTag(ciphertext.subarray(bodyLength))
  // `dst` is for ciphers that decrypt in place; node:crypto returns new buffers
  const body = ciphertext instanceof Uint8Array ? ciphertext.subarray(0, bodyLength) : ciphertext.sublist(0, bodyLength)
  if (body instanceof Uint8Array) {
    const output = decipher.update(body)
    const final = decipher.final() // checks the tag: throws on a forged or damaged frame
    return final.byteLength > 0 ? Buffer.concat([output, final], output.byteLength + final.byteLength) : output
  }
  return updateAll(decipher, body) // final() checks the tag here too
}

/** The crypto noise runs with: the library's default, ChaCha20-Poly1305 keyed by KeyObjects */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: encrypt,
  chaCha20Poly1305Decrypt: decrypt
}

/** What `decryptFrames` uses of the library's encrypted stream */
export interface EncryptedStream {
  handshake: { decrypt: (ciphertext: Uint8Array | Uint8ArrayList, dst?: Uint8Array) => Uint8Array | Uint8ArrayList }
  metrics?: { decryptedPackets: { increment: () => void }, decryptErrors: { increment: () => void } }
}

/**
 * The library's `decrypt` of what its length-prefixed decoder delivered (one noise
 * message), but with `dst` only where it is a view, never a copy
 */
export function decryptFrames (this: EncryptedStream, chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList {
  const output = new Uint8ArrayList()
  for (let i = 0; i < chunk.byteLength; i += NOISE_MAX_FRAME_BYTES) {
    const end = Math.min(i + NOISE_MAX_FRAME_BYTES, chunk.byteLength)
    if (end - TAG_BYTES < i) throw new Error('Invalid chunk')
    const whole = chunk instanceof Uint8Array
    const encrypted = whole ? chunk.subarray(i, end) : chunk.sublist(i, end)
    // the library's in-place trick (ChaCha20 reads each byte once, before writing it), kept where it is free
    const dst = whole ? chunk.subarray(i, end - TAG_BYTES) : undefined
    try {
      output.append(this.handshake.decrypt(encrypted, dst))
      this.metrics?.decryptedPackets.increment()
    } catch (err) {
      this.metrics?.decryptErrors.increment()
      throw err
    }
  }
  return output
}

/**
 * Thrown when fewer than 2 bytes are buffered: how the library's decoder learns to wait
 * for the next read (it catches RangeErrors and stops). Made once: the decoder only
 * looks at its class, never at its stack.
 */
const LENGTH_NOT_YET = new RangeError('Could not decode int16BE')

/** A noise frame's length from its 2-byte big-endian prefix, as the library's `uint16BEDecode` but throwing LENGTH_NOT_YET */
export function noiseFrameLength (data: Uint8Array | Uint8ArrayList): number {
  if (data.byteLength < 2) throw LENGTH_NOT_YET
  return data instanceof Uint8Array ? (data[0] << 8) | data[1] : (data.get(0) << 8) | data.get(1)
}

/** What `useFrameLength` changes of the library's encrypted stream */
interface FrameDecoderHolder { decoder?: { lengthDecoder?: unknown } }

let lengthsApplied = false

/** Whether the library's encrypted streams read frame lengths with `noiseFrameLength` (once a connection was secured) */
export function noiseFrameLengthApplied (): boolean {
  return lengthsApplied
}

/** Puts `noiseFrameLength` in a secured connection's frame decoder (one per connection); left alone if it has another shape */
function useFrameLength (connection: unknown): void {
  const decoder = (connection as FrameDecoderHolder).decoder
  if (typeof decoder?.lengthDecoder !== 'function') return
  decoder.lengthDecoder = noiseFrameLength
  lengthsApplied = true
}

/** Whether a secured connection's stream was looked at (the prototype is the same for all) */
let looked = false
let applied = false

/** Whether the library's encrypted streams decrypt with `decryptFrames` (once a connection was secured) */
export function decryptFramesApplied (): boolean {
  return applied
}

/**
 * Puts `decryptFrames` on the prototype of the library's encrypted stream (a class it
 * does not export), found on the first secured connection; left alone if its shape is
 * not the one `decryptFrames` was written for
 */
function patchDecrypt (connection: unknown): void {
  if (looked) return
  looked = true
  const proto = Object.getPrototypeOf(connection) as { decrypt?: unknown, encrypt?: unknown }
  const stream = connection as Partial<EncryptedStream>
  if (typeof proto.decrypt !== 'function' || proto.decrypt.length !== 1 || typeof proto.encrypt !== 'function' || typeof stream.handshake?.decrypt !== 'function') return
  proto.decrypt = decryptFrames
  applied = true
}

/** noise with `noiseCrypto`, its frames decrypted by `decryptFrames` after `noiseFrameLength` found them, and the TCP connections it secures writing in bursts (tcp-writes.ts) */
export function peershareNoise (): (components: Parameters<ReturnType<typeof noise>>[0]) => ConnectionEncrypter<NoiseExtensions> {
  const factory = noise({ crypto: noiseCrypto })
  return (components) => {
    const encrypter = factory(components)
    // every connection is secured here first: the hook that sees each transport's connections
    const secured = (secure: ConnectionEncrypter<NoiseExtensions>['secureInbound']): ConnectionEncrypter<NoiseExtensions>['secureInbound'] =>
      async (connection, options) => {
        coalesceTcpWrites(connection)
        const result = await secure.call(encrypter, connection, options)
        patchDecrypt(result.connection)
        useFrameLength(result.connection)
        return result
      }
    encrypter.secureInbound = secured(encrypter.secureInbound)
    encrypter.secureOutbound = secured(encrypter.secureOutbound)
    return encrypter
  }
}
