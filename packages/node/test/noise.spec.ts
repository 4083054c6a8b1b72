import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import type { PeershareNode } from '../src/index.js'
import { type EncryptedStream, decryptFrames, decryptFramesApplied, keyObjectOf, noiseCrypto, noiseFrameLength, noiseFrameLengthApplied } from '../src/transports/index.js'
import { sha256OfArrival, startTestNode, tempDir, type TestDir } from './fixtures.js'

const MiB = 1024 * 1024
/** noise's largest frame body: 65,535 bytes less the 16-byte tag */
const FRAME_BODY = 65_519
const SIZES = [0, 1, 16, 1199, 1200, 4096, FRAME_BODY]

/** noise's Uint8ArrayList (it has its own copy of the package, the same class at run time) */
type NoiseList = Exclude<Parameters<typeof noiseCrypto.chaCha20Poly1305Encrypt>[0], Uint8Array>

/** `data` in pieces of at most `piece` bytes, as a frame that arrived over several socket reads */
function inPieces (data: Uint8Array, piece: number): NoiseList {
  const list = new Uint8ArrayList()
  for (let i = 0; i < data.byteLength; i += piece) list.append(data.subarray(i, i + piece))
  if (data.byteLength === 0) list.append(new Uint8Array(0))
  return list as unknown as NoiseList
}

describe('noise as peershare runs it (transports/noise)', function () {
  this.timeout(120_000)
  const k = randomBytes(32)
  const nonce = randomBytes(12)
  const ad = randomBytes(32)
  /** what a cipher returned (an array or a list), as one Buffer */
  const bytes = (out: { subarray: () => Uint8Array }): Buffer => Buffer.from(out.subarray())
  /** `plaintext` sealed by the library's own default crypto, under this suite's key, nonce and ad */
  const sealedByLibrary = (plaintext: Uint8Array): Buffer => bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))

  it('encrypts byte for byte as the library does, whole and in pieces, at every frame size', () => {
    for (const size of SIZES) {
      const plaintext = randomBytes(size)
      const expected = sealedByLibrary(plaintext)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)), expected, `${size} bytes whole`)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Encrypt(inPieces(plaintext, 7000), nonce, ad, k)), expected, `${size} bytes in pieces`)
    }
  })

  it('decrypts what the library encrypted, whole and in pieces, and refuses a changed byte, tag, nonce or key', () => {
    for (const size of SIZES) {
      const plaintext = randomBytes(size)
      const sealed = sealedByLibrary(plaintext)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k)), plaintext, `${size} bytes whole`)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Decrypt(inPieces(sealed, 7000), nonce, ad, k)), plaintext, `${size} bytes in pieces`)
      for (const at of size > 0 ? [0, size - 1, sealed.byteLength - 1] : [sealed.byteLength - 1]) {
        const damaged = Buffer.from(sealed)
        damaged[at] ^= 1
        assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(damaged, nonce, ad, k), Error, `${size} bytes, byte ${at} changed`)
      }
      assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, randomBytes(12), ad, k), Error, `${size} bytes, another nonce`)
      assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, randomBytes(32)), Error, `${size} bytes, another key`)
    }
  })

  it('seals a large frame as the cipher\'s own body and tag, without copying them into one array', () => {
    for (const size of [1200, FRAME_BODY]) {
      const sealed = noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(size), nonce, ad, k)
      assert.ok(!(sealed instanceof Uint8Array), `${size} bytes: a list of pieces, not one copied array`)
      const pieces = [...(sealed as Iterable<Uint8Array>)]
      assert.deepEqual(pieces.map(p => p.byteLength), [size, 16], `${size} bytes: the body as the cipher made it, then the tag`)
    }
  })

  it('makes one KeyObject per key, and a new one for a key changed in place', () => {
    const key = randomBytes(32)
    const first = keyObjectOf(key)
    assert.equal(keyObjectOf(key), first, 'the same key array: its KeyObject again')
    const plaintext = randomBytes(FRAME_BODY)
    key[0] ^= 0xff
    assert.notEqual(keyObjectOf(key), first)
    assert.deepEqual(Buffer.from(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key).subarray()),
      Buffer.from(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key).subarray()), 'encrypted with the changed key')
  })

  it('decrypts a message of several frames, whole or in pieces, into the cipher\'s output, in place only where that costs no copy', () => {
    const frames = [randomBytes(FRAME_BODY), randomBytes(FRAME_BODY), randomBytes(300)]
    let n = 0
    const nonceOf = (i: number): Uint8Array => { const b = new Uint8Array(12); new DataView(b.buffer).setUint32(4, i, true); return b }
    const message = Buffer.concat(frames.map((f, i) => Buffer.from(defaultCrypto.chaCha20Poly1305Encrypt(f, nonceOf(i), ad, k).subarray())))
    const dsts: Array<Uint8Array | undefined> = []
    const stream: EncryptedStream = {
      handshake: {
        decrypt: (ciphertext, dst) => {
          dsts.push(dst)
          // noise's own Uint8ArrayList (its copy of the package) in and out: the same class at run time
          return noiseCrypto.chaCha20Poly1305Decrypt(ciphertext as unknown as NoiseList, nonceOf(n++), ad, k, dst) as unknown as Uint8Array
        }
      }
    }
    const whole = decryptFrames.call(stream, Buffer.from(message))
    assert.deepEqual(Buffer.from(whole.subarray()), Buffer.concat(frames))
    assert.equal(dsts.length, 3)
    assert.ok(dsts.every(d => d != null), 'a whole message: each frame may be decrypted in place')
    n = 0
    dsts.length = 0
    const pieces = new Uint8ArrayList()
    for (let i = 0; i < message.byteLength; i += 40_000) pieces.append(message.subarray(i, i + 40_000))
    assert.deepEqual(Buffer.from(decryptFrames.call(stream, pieces).subarray()), Buffer.concat(frames))
    assert.deepEqual(dsts, [undefined, undefined, undefined], 'a message in pieces: no copy made to decrypt into')
    assert.throws(() => decryptFrames.call(stream, new Uint8Array(10)), /Invalid chunk/)
  })

  it('reads a frame length from 2 bytes whole or split, and says "not yet" below 2 bytes with one error made once', () => {
    assert.equal(noiseFrameLength(Uint8Array.of(0xff, 0xef, 9)), 65_519)
    assert.equal(noiseFrameLength(Uint8Array.of(0, 0)), 0)
    const split = new Uint8ArrayList(Uint8Array.of(0x12), Uint8Array.of(0x34, 0x56))
    assert.equal(noiseFrameLength(split), 0x1234)
    const errors = new Set<unknown>()
    for (const short of [new Uint8Array(0), Uint8Array.of(7), new Uint8ArrayList(), new Uint8ArrayList(Uint8Array.of(7))]) {
      // the library's decoder stops at a RangeError and waits for the next read
      assert.throws(() => noiseFrameLength(short), (err: unknown) => { errors.add(err); return err instanceof RangeError })
    }
    assert.equal(errors.size, 1, 'no new error (and stack trace) per socket read')
  })

  describe('between a peershare node and a libp2p node with the library\'s own noise crypto (real TCP on 127.0.0.1)', () => {
    let dir: TestDir
    let node: PeershareNode
    let plain: Awaited<ReturnType<typeof createLibp2p>>

    before(async () => {
      dir = await tempDir()
      node = await startTestNode(join(dir.path, 'node'))
      plain = await createLibp2p({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        // yamux grants window as data arrives, not as it is read: what the test sends before
        // the echo handler is attached (libp2p first merges the protocol into the peer
        // store) waits in the stream's read buffer, 4 MiB by default, which the 8 MiB
        // below reached on a busy machine (the stream reset, StreamResetError)
        streamMuxers: [yamux({ streamOptions: { maxReadBufferLength: 16 * MiB } })]
      })
      // echoes every stream back, as it comes
      await plain.handle('/test/echo/1', (stream) => {
        stream.addEventListener('message', (evt) => {
          if (!stream.send(evt.data)) stream.pause()
        })
        stream.addEventListener('drain', () => { stream.resume() })
        stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
      })
    })

    after(async () => {
      await plain?.stop()
      await node?.stop()
      await dir?.cleanup()
    })

    it('an 8 MiB stream goes there and back intact: full frames, frames in pieces, small frames', async () => {
      const data = randomBytes(8 * MiB)
      const stream = await node.libp2p.dialProtocol(plain.getMultiaddrs()[0], '/test/echo/1')
      const back = sha256OfArrival(stream, data.byteLength)
      // pieces of every size: some fill noise frames, some are a few bytes
      for (let at = 0, i = 0; at < data.byteLength; i++) {
        const size = [MiB, 17, FRAME_BODY + 1, 1200, 300_000][i % 5]
        if (!stream.send(data.subarray(at, at + size))) await new Promise(resolve => { stream.addEventListener('drain', resolve, { once: true }) })
        at += size
      }
      assert.equal(await back, createHash('sha256').update(data).digest('hex'))
      // once a peershare node secured a connection, every encrypted stream of the process decrypts with it
      assert.equal(decryptFramesApplied(), true)
      // and found its frames with noiseFrameLength: 8 MiB of frames came through the decoder it is in
      assert.equal(noiseFrameLengthApplied(), true)
      await stream.close()
    })
  })
})
