import assert from 'node:assert/strict'
import {
  type FileKeyGrant,
  MAX_GRANTS_PER_MESSAGE,
  MAX_GRANT_BYTES,
  MAX_SIGNED_GRANT_BYTES,
  decodeGrant,
  decodeKeysRequest,
  decodeKeysResponse,
  encodeGrant,
  encodeKeysRequest,
  encodeKeysResponse,
  fileIdOf,
  formatFileId,
  grantName,
  parseFileId
} from '../src/index.js'
import { FileKeyGrant as GrantPb, KeysRequest as KeysRequestPb } from '../src/pb/keys.js'
import { bytesOf, manifestOf } from './fixtures.js'

const invalid = { name: 'InvalidMessageError' }
// two Ed25519 peer ids (base58btc multihash text)
const ALICE = '12D3KooWBfWnW8cSiWHFw6mvsVkX3j7Zj3r4fRE3GdBEjXLqNJvs'
const BOB = '12D3KooWRrQ7a8WWmXDTmxVKQ1CWWPBhTqGZdYqJ9NxZXxTRC9Ky'

async function keyGrant (): Promise<FileKeyGrant> {
  const fileId = formatFileId(await fileIdOf(manifestOf(bytesOf(1000))))
  return {
    fileId,
    sender: ALICE,
    recipient: BOB,
    keyType: 1,
    wrappedKey: bytesOf(80, 3),
    seq: 7n,
    time: 1_700_000_000_000,
    inbox: { size: 1016, encryption: { scheme: 1, salt: bytesOf(16, 4), sealedMetadata: bytesOf(90, 5) } }
  }
}

describe('file key grants', () => {
  it('round-trip a key grant and a permission grant', async () => {
    const grant = await keyGrant()
    assert.deepEqual(decodeGrant(encodeGrant(grant)), grant)
    const permission: FileKeyGrant = { ...grant, keyType: 0, wrappedKey: new Uint8Array(0), inbox: { size: 1000, name: 'notes\u0007.txt' } }
    const decoded = decodeGrant(encodeGrant(permission))
    assert.deepEqual(decoded, permission)
    assert.equal(grantName(decoded), 'notes_.txt')
  })

  it('refuses grants out of shape: wrong key length, unknown key type, a key in a permission, sender as recipient, oversized', async () => {
    const grant = await keyGrant()
    assert.throws(() => encodeGrant({ ...grant, wrappedKey: new Uint8Array(79) }), invalid)
    assert.throws(() => encodeGrant({ ...grant, keyType: 2 }), invalid)
    assert.throws(() => encodeGrant({ ...grant, keyType: 0 }), invalid)
    assert.throws(() => encodeGrant({ ...grant, recipient: ALICE }), invalid)
    assert.throws(() => encodeGrant({ ...grant, inbox: { size: 1, encryption: { scheme: 1, salt: new Uint8Array(16), sealedMetadata: new Uint8Array(2000) } } }), invalid)
    const pb = GrantPb.decode(encodeGrant(grant))
    assert.throws(() => decodeGrant(GrantPb.encode({ ...pb, keyType: 0 })), invalid)
    assert.throws(() => decodeGrant(GrantPb.encode({ ...pb, name: 'x' })), invalid)
    assert.throws(() => decodeGrant(GrantPb.encode({ ...pb, version: 2 })), invalid)
    assert.throws(() => decodeGrant(GrantPb.encode({ ...pb, fileId: new Uint8Array([1, 2, 3]) })), invalid)
    assert.throws(() => decodeGrant(new Uint8Array(MAX_GRANT_BYTES + 1)), invalid)
    // a field repeated (the reader keeps the last) is not the canonical encoding
    const bytes = encodeGrant(grant)
    assert.throws(() => decodeGrant(Uint8Array.from([...bytes, ...GrantPb.encode({ seq: 9n })])), invalid)
  })

  it('round-trip push and fetch requests and their answers, within the limits', async () => {
    const grant = await keyGrant()
    const envelope = bytesOf(300, 9)
    assert.deepEqual(decodeKeysRequest(encodeKeysRequest({ push: [envelope] })), { push: [envelope] })
    const fetched = decodeKeysRequest(encodeKeysRequest({ fetch: parseFileId(grant.fileId) }))
    assert.equal(formatFileId(fetched.fetch!), grant.fileId)
    const answer = { grants: [envelope], results: ['accepted', 'refused'] as Array<'accepted' | 'refused'> }
    assert.deepEqual(decodeKeysResponse(encodeKeysResponse(answer)), answer)
    assert.deepEqual(decodeKeysResponse(encodeKeysResponse({ refused: 'rate-limited' })), { refused: 'rate-limited' })
    assert.throws(() => decodeKeysRequest(KeysRequestPb.encode({ push: [envelope], fetch: parseFileId(grant.fileId).bytes })), invalid)
    assert.throws(() => decodeKeysRequest(KeysRequestPb.encode({ push: [] })), invalid)
    const many = Array.from({ length: MAX_GRANTS_PER_MESSAGE + 1 }, () => envelope)
    assert.throws(() => decodeKeysRequest(KeysRequestPb.encode({ push: many })), invalid)
    assert.throws(() => decodeKeysRequest(KeysRequestPb.encode({ push: [new Uint8Array(MAX_SIGNED_GRANT_BYTES + 1)] })), invalid)
    assert.throws(() => encodeKeysRequest({ push: many }), invalid)
  })
})
