import assert from 'node:assert/strict'
import {
  InvalidMessageError,
  MAX_CATALOG_PAGE_ENTRIES,
  MAX_DISCOVERY_RESPONSE_BYTES,
  MAX_SEARCH_RESULTS,
  MAX_SIGNED_OFFER_BYTES,
  decodeCatalogRequest,
  decodeCatalogResponse,
  decodeSearchRequest,
  decodeSearchResponse,
  encodeCatalogRequest,
  encodeCatalogResponse,
  encodeSearchRequest,
  encodeSearchResponse,
  entryCost
} from '../src/index.js'
import { CatalogRequest as CatalogRequestPb, CatalogResponse as CatalogResponsePb, Refusal, SearchRequest as SearchRequestPb, SearchResponse as SearchResponsePb } from '../src/pb/discovery.js'

const invalid = { name: 'InvalidMessageError' }

describe('discovery messages', () => {
  it('round-trip catalog requests and pages', () => {
    const request = { since: 2n ** 63n + 5n, limit: 500, epoch: 'ab'.repeat(16) }
    assert.deepEqual(decodeCatalogRequest(encodeCatalogRequest(request)), request)
    const entries = [new Uint8Array([1, 2, 3]), new Uint8Array(100).fill(7)]
    const page = { entries, next: 42n, more: true, epoch: 'e1' }
    assert.deepEqual(decodeCatalogResponse(encodeCatalogResponse(page)), page)
    assert.deepEqual(decodeCatalogResponse(encodeCatalogResponse({ refused: 'rate-limited' })), { refused: 'rate-limited' })
  })

  it('round-trip search requests and answers', () => {
    const request = { text: 'beach holiday', category: 'video' as const, mimeType: 'video/', minSize: 10, maxSize: 0, author: '12D3KooW', limit: 50 }
    assert.deepEqual(decodeSearchRequest(encodeSearchRequest(request)), request)
    assert.deepEqual(decodeSearchRequest(encodeSearchRequest({ text: '', limit: 1 })),
      { text: '', category: undefined, mimeType: undefined, minSize: undefined, maxSize: undefined, author: undefined, limit: 1 })
    const answer = { entries: [new Uint8Array([9])] }
    assert.deepEqual(decodeSearchResponse(encodeSearchResponse(answer)), answer)
    assert.deepEqual(decodeSearchResponse(encodeSearchResponse({ refused: 'bad-request' })), { refused: 'bad-request' })
  })

  it('refuse requests outside the limits', () => {
    assert.throws(() => decodeCatalogRequest(CatalogRequestPb.encode({ since: 0n, limit: MAX_CATALOG_PAGE_ENTRIES + 1, epoch: '' })), invalid)
    assert.throws(() => decodeCatalogRequest(CatalogRequestPb.encode({ since: 0n, limit: 0, epoch: '' })), invalid)
    assert.throws(() => decodeCatalogRequest(CatalogRequestPb.encode({ since: 0n, limit: 1, epoch: 'x'.repeat(65) })), invalid)
    assert.throws(() => decodeSearchRequest(SearchRequestPb.encode({ text: 'é'.repeat(129), category: '', mimeType: '', minSize: 0n, author: '', limit: 1 })), invalid)
    assert.throws(() => decodeSearchRequest(SearchRequestPb.encode({ text: '', category: 'films', mimeType: '', minSize: 0n, author: '', limit: 1 })), invalid)
    assert.throws(() => decodeSearchRequest(SearchRequestPb.encode({ text: '', category: '', mimeType: '', minSize: 0n, author: '', limit: MAX_SEARCH_RESULTS + 1 })), invalid)
    assert.throws(() => decodeSearchRequest(new Uint8Array(1025)), invalid)
  })

  it('refuse responses with too many, empty or oversized entries, or over the byte limit', () => {
    const page = (entries: Uint8Array[]): Uint8Array => CatalogResponsePb.encode({ entries: entries as Array<Uint8Array<ArrayBuffer>>, next: 1n, more: false, epoch: '', refused: Refusal.NONE })
    assert.throws(() => decodeCatalogResponse(page(Array.from({ length: MAX_CATALOG_PAGE_ENTRIES + 1 }, () => new Uint8Array(1)))), invalid)
    assert.throws(() => decodeCatalogResponse(page([new Uint8Array(0)])), invalid)
    assert.throws(() => decodeCatalogResponse(page([new Uint8Array(MAX_SIGNED_OFFER_BYTES + 1)])), invalid)
    assert.throws(() => decodeCatalogResponse(new Uint8Array(MAX_DISCOVERY_RESPONSE_BYTES + 1)), invalid)
    const answer = SearchResponsePb.encode({ entries: Array.from({ length: MAX_SEARCH_RESULTS + 1 }, () => new Uint8Array(1)), refused: Refusal.NONE })
    assert.throws(() => decodeSearchResponse(answer), invalid)
    assert.throws(() => encodeCatalogResponse({ entries: Array.from({ length: 50 }, () => new Uint8Array(MAX_SIGNED_OFFER_BYTES)), next: 0n, more: false, epoch: '' }), invalid)
  })

  it('refuse garbage and non-canonical encodings', () => {
    assert.throws(() => decodeCatalogResponse(new Uint8Array([0xff, 0xff, 0xff])), (err: Error) => err instanceof InvalidMessageError)
    const good = encodeCatalogRequest({ since: 3n, limit: 10, epoch: '' })
    // the same field twice, and an unknown field
    assert.throws(() => decodeCatalogRequest(Uint8Array.from([...good, ...good])), invalid)
    assert.throws(() => decodeCatalogRequest(Uint8Array.from([...good, 0x78, 0x01])), invalid)
    // a refusal value nobody defined
    assert.throws(() => decodeSearchResponse(Uint8Array.from([0x10, 0x09])), invalid)
  })

  it('count what an entry costs inside a response', () => {
    const entries = [new Uint8Array(100), new Uint8Array(200)]
    const encoded = encodeSearchResponse({ entries })
    assert.equal(encoded.byteLength, entries.reduce((sum, e) => sum + entryCost(e), 0))
  })
})
