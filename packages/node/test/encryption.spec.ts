import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decryptChunk, encryptChunk, fileCipher, newFileKey, newSalt, openMetadata, sealMetadata, unwrapFileKey, wrapFileKey, WRAPPED_KEY_LENGTH } from '../src/encryption/index.js'

describe('encryption primitives', () => {
  const fileId = createHash('sha256').update('file a').digest()
  const otherFile = createHash('sha256').update('file b').digest()

  it('wraps a file key that opens only for its recipient and its file', async () => {
    const alice = await generateKeyPair('Ed25519')
    const bob = await generateKeyPair('Ed25519')
    const key = newFileKey()
    const wrapped = await wrapFileKey(key, fileId, peerIdFromPrivateKey(alice))
    assert.equal(wrapped.byteLength, WRAPPED_KEY_LENGTH)
    assert.deepEqual(await unwrapFileKey(wrapped, fileId, alice), key)
    await assert.rejects(unwrapFileKey(wrapped, fileId, bob), { code: 'ERR_DECRYPTION' })
    await assert.rejects(unwrapFileKey(wrapped, otherFile, alice), { code: 'ERR_DECRYPTION' })
    const flipped = Uint8Array.from(wrapped)
    flipped[40] ^= 1
    await assert.rejects(unwrapFileKey(flipped, fileId, alice), { code: 'ERR_DECRYPTION' })
  })

  it('encrypts chunks deterministically and refuses any changed, moved or cut one', () => {
    const key = newFileKey()
    const salt = newSalt()
    const cipher = fileCipher(key, salt)
    const plain = Buffer.from('chunk payload '.repeat(100))
    const c0 = encryptChunk(cipher, 0, 2, plain)
    assert.equal(c0.byteLength, plain.byteLength + 16)
    assert.deepEqual(encryptChunk(fileCipher(key, salt), 0, 2, plain), c0)
    assert.deepEqual(decryptChunk(cipher, 0, 2, c0), plain)
    assert.throws(() => decryptChunk(cipher, 1, 2, c0), { code: 'ERR_DECRYPTION' })
    assert.throws(() => decryptChunk(cipher, 0, 1, c0), { code: 'ERR_DECRYPTION' })
    assert.throws(() => decryptChunk(fileCipher(key, newSalt()), 0, 2, c0), { code: 'ERR_DECRYPTION' })
    const flipped = Buffer.from(c0)
    flipped[3] ^= 1
    assert.throws(() => decryptChunk(cipher, 0, 2, flipped), { code: 'ERR_DECRYPTION' })
  })

  it('seals metadata that only the file key opens', () => {
    const key = newFileKey()
    const cipher = fileCipher(key, newSalt())
    const metadata = { name: 'report.pdf', mimeType: 'application/pdf', size: 1234, sha256: createHash('sha256').update('x').digest() }
    const encryption = sealMetadata(cipher, metadata)
    assert.deepEqual({ ...openMetadata(cipher, encryption), sha256: Buffer.from(openMetadata(cipher, encryption).sha256) }, { ...metadata, sha256: Buffer.from(metadata.sha256) })
    assert.throws(() => openMetadata(fileCipher(newFileKey(), cipher.salt), encryption), { code: 'ERR_DECRYPTION' })
  })
})
