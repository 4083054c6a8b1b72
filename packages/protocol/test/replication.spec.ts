import assert from 'node:assert/strict'
import {
  MAX_REPLICATE_MESSAGE_BYTES,
  MAX_STORAGE_OFFER_BYTES,
  type StorageOfferPayload,
  decodeReplicateRequest,
  decodeReplicateResponse,
  decodeStorageOffer,
  encodeReplicateRequest,
  encodeReplicateResponse,
  encodeStorageOffer,
  fileIdOf,
  formatFileId
} from '../src/index.js'
import { ReplicateRequest as RequestPb, StorageOffer as OfferPb } from '../src/pb/replication.js'
import { bytesOf, manifestOf } from './fixtures.js'

const invalid = { name: 'InvalidMessageError' }
const ALICE = '12D3KooWBfWnW8cSiWHFw6mvsVkX3j7Zj3r4fRE3GdBEjXLqNJvs'

function offer (): StorageOfferPayload {
  return { peerId: ALICE, seq: 7n, quota: 10 * 2 ** 30, free: 2 ** 30, acceptsFrom: 'contacts', acceptsEncrypted: true, maxConcurrent: 2, load: 1 }
}

describe('replication messages', () => {
  it('a storage offer round-trips and stays within its bound', () => {
    const bytes = encodeStorageOffer(offer())
    assert.ok(bytes.byteLength <= MAX_STORAGE_OFFER_BYTES)
    assert.deepEqual(decodeStorageOffer(bytes), offer())
  })

  it('refuses offers off the limits: free above quota, unknown acceptsFrom, wrong version, oversized, extra fields', () => {
    assert.throws(() => encodeStorageOffer({ ...offer(), free: offer().quota + 1 }), invalid)
    assert.throws(() => encodeStorageOffer({ ...offer(), maxConcurrent: 1e6 }), invalid)
    const pb = OfferPb.decode(encodeStorageOffer(offer()))
    assert.throws(() => decodeStorageOffer(OfferPb.encode({ ...pb, acceptsFrom: 2 })), invalid)
    assert.throws(() => decodeStorageOffer(OfferPb.encode({ ...pb, version: 2 })), invalid)
    assert.throws(() => decodeStorageOffer(OfferPb.encode({ ...pb, peerId: new Uint8Array(0) })), invalid)
    assert.throws(() => decodeStorageOffer(new Uint8Array(MAX_STORAGE_OFFER_BYTES + 1)), invalid)
    // an unknown field appended: not canonical
    assert.throws(() => decodeStorageOffer(Uint8Array.from([...encodeStorageOffer(offer()), 0x50, 0x01])), invalid)
  })

  it('a replicate request round-trips; a bad policy, size or file id is refused', async () => {
    const fileId = await fileIdOf(manifestOf(bytesOf(1000)))
    const request = { fileId, size: 1000, min: 2, max: 5, encrypted: true }
    const decoded = decodeReplicateRequest(encodeReplicateRequest(request))
    assert.equal(formatFileId(decoded.fileId), formatFileId(fileId))
    assert.deepEqual({ ...decoded, fileId: undefined }, { ...request, fileId: undefined })
    assert.throws(() => encodeReplicateRequest({ ...request, min: 0 }), invalid)
    assert.throws(() => encodeReplicateRequest({ ...request, min: 6 }), invalid)
    assert.throws(() => encodeReplicateRequest({ ...request, max: 65 }), invalid)
    const pb = RequestPb.decode(encodeReplicateRequest(request))
    assert.throws(() => decodeReplicateRequest(RequestPb.encode({ ...pb, fileId: Uint8Array.from([1, 2, 3]) })), invalid)
    assert.throws(() => decodeReplicateRequest(RequestPb.encode({ ...pb, size: 2n ** 60n })), invalid)
    assert.throws(() => decodeReplicateRequest(new Uint8Array(MAX_REPLICATE_MESSAGE_BYTES + 1)), invalid)
  })

  it('a repairing holder names the owner; an owner that is no peer id is refused', async () => {
    const fileId = await fileIdOf(manifestOf(bytesOf(1000)))
    const request = { fileId, size: 1000, min: 2, max: 5, encrypted: false, owner: ALICE }
    assert.equal(decodeReplicateRequest(encodeReplicateRequest(request)).owner, ALICE)
    assert.equal(decodeReplicateRequest(encodeReplicateRequest({ ...request, owner: undefined })).owner, undefined)
    const pb = RequestPb.decode(encodeReplicateRequest(request))
    assert.throws(() => decodeReplicateRequest(RequestPb.encode({ ...pb, owner: new Uint8Array(0) })), invalid)
    assert.throws(() => decodeReplicateRequest(RequestPb.encode({ ...pb, owner: new Uint8Array(200) })), invalid)
    assert.throws(() => encodeReplicateRequest({ ...request, owner: 'not a peer id' }), invalid)
  })

  it('every answer round-trips; an unknown one is refused', () => {
    for (const answer of ['accept', 'quota-exceeded', 'forbidden', 'busy', 'bad-request'] as const) {
      assert.equal(decodeReplicateResponse(encodeReplicateResponse(answer)), answer)
    }
    assert.throws(() => decodeReplicateResponse(Uint8Array.from([0x08, 0x09])), invalid)
    assert.throws(() => decodeReplicateResponse(Uint8Array.from([0xff])), invalid)
  })
})
