/**
 * The key wrapping's HPKE library (@hpke/core) against the RFC 9180 test vectors,
 * Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
 * The KEM and KDF are the ones key-wrap.ts uses (it seals with AES-256-GCM); the
 * ephemeral key is derived from the vector's ikmE, so enc and every ciphertext must
 * come out byte for byte.
 */
import assert from 'node:assert/strict'
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))
const toHex = (bytes: ArrayBuffer | Uint8Array): string => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex')

/** RFC 9180, A.1.1 (values as printed there) */
const A11 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  enc: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  encryptions: [
    { aad: '436f756e742d30', ct: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a' },
    { aad: '436f756e742d31', ct: 'af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84' },
    { aad: '436f756e742d32', ct: '498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180' }
  ],
  exports: [
    { context: '', value: '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee' },
    { context: '00', value: '2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5' },
    { context: '54657374436f6e74657874', value: 'e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931' }
  ]
}

describe('HPKE (RFC 9180 Appendix A.1.1 test vectors through @hpke/core)', () => {
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })

  it('derives the vector\'s ephemeral and recipient key pairs from their ikm', async () => {
    const eph = await suite.kem.deriveKeyPair(hex(A11.ikmE))
    assert.equal(toHex(await suite.kem.serializePublicKey(eph.publicKey)), A11.pkEm)
    assert.equal(toHex(await suite.kem.serializePrivateKey(eph.privateKey)), A11.skEm)
    const rcpt = await suite.kem.deriveKeyPair(hex(A11.ikmR))
    assert.equal(toHex(await suite.kem.serializePublicKey(rcpt.publicKey)), A11.pkRm)
    assert.equal(toHex(await suite.kem.serializePrivateKey(rcpt.privateKey)), A11.skRm)
  })

  it('seals to the vector\'s enc and ciphertexts, in sequence, and exports its values', async () => {
    const recipientPublicKey = await suite.kem.deserializePublicKey(hex(A11.pkRm))
    const ekm = await suite.kem.deriveKeyPair(hex(A11.ikmE))
    const sender = await suite.createSenderContext({ recipientPublicKey, info: hex(A11.info), ekm })
    assert.equal(toHex(sender.enc), A11.enc)
    for (const { aad, ct } of A11.encryptions) assert.equal(toHex(await sender.seal(hex(A11.pt), hex(aad))), ct)
    for (const { context, value } of A11.exports) assert.equal(toHex(await sender.export(hex(context), 32)), value)
  })

  it('opens the vector\'s ciphertexts with the recipient key, and refuses a changed one', async () => {
    const recipientKey = await suite.kem.deserializePrivateKey(hex(A11.skRm))
    const recipient = await suite.createRecipientContext({ recipientKey, enc: hex(A11.enc), info: hex(A11.info) })
    for (const { aad, ct } of A11.encryptions) assert.equal(toHex(await recipient.open(hex(ct), hex(aad))), A11.pt)
    const other = await suite.createRecipientContext({ recipientKey, enc: hex(A11.enc), info: hex(A11.info) })
    const changed = hex(A11.encryptions[0].ct)
    changed[0] ^= 1
    await assert.rejects(other.open(changed, hex(A11.encryptions[0].aad)), { name: 'OpenError' })
  })
})
