/**
 * Messages of the discovery protocols, `/peershare/catalog/1.0.0` (a peer's catalog
 * log, page by page) and `/peershare/search/1.0.0` (a query answered from a peer's
 * index), as typed values. Each stream carries one request and one response.
 *
 * Decoders take untrusted bytes: they bound the size, the number of entries and each
 * entry, require the canonical encoding (no value read modulo anything, no repeated
 * or unknown fields) and throw InvalidMessageError. Entries stay opaque bytes here:
 * each is a signed offer envelope that the node verifies on its own.
 */
import { type Category, isCategory } from './category.js'
import {
  MAX_CATALOG_EPOCH_LENGTH,
  MAX_CATALOG_PAGE_ENTRIES,
  MAX_DISCOVERY_REQUEST_BYTES,
  MAX_DISCOVERY_RESPONSE_BYTES,
  MAX_MIME_LENGTH,
  MAX_SEARCH_AUTHOR_LENGTH,
  MAX_SEARCH_RESULTS,
  MAX_SEARCH_TEXT_BYTES,
  MAX_SIGNED_OFFER_BYTES
} from './constants.js'
import { decodeCanonical } from './canonical.js'
import { InvalidMessageError } from './errors.js'
import { CatalogRequest as CatalogRequestPb, CatalogResponse as CatalogResponsePb, Refusal, SearchRequest as SearchRequestPb, SearchResponse as SearchResponsePb } from './pb/discovery.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Why a server did not answer: it was asked too often, or the request was bad */
export type RefusalReason = 'rate-limited' | 'bad-request'

export interface CatalogRequest {
  /** log position to continue from (0n: from the start) */
  since: bigint
  /** 1 to MAX_CATALOG_PAGE_ENTRIES */
  limit: number
  /** the epoch `since` belongs to, '' for none */
  epoch: string
}

export type CatalogResponse =
  | { refused: RefusalReason }
  | { refused?: undefined, entries: Uint8Array[], next: bigint, more: boolean, epoch: string }

export interface SearchRequest {
  /** words; prefix and typo tolerant; '' matches everything (browse) */
  text: string
  category?: Category
  /** an exact MIME type, or a prefix ending in '/' ('video/') */
  mimeType?: string
  minSize?: number
  maxSize?: number
  /** offers of this author (peer id) only */
  author?: string
  /** 1 to MAX_SEARCH_RESULTS */
  limit: number
}

export type SearchResponse =
  | { refused: RefusalReason }
  | { refused?: undefined, entries: Uint8Array[] }

const REFUSAL_TO_PB: Record<RefusalReason, Refusal> = { 'rate-limited': Refusal.RATE_LIMITED, 'bad-request': Refusal.BAD_REQUEST }

/** Bytes a response spends around its entries besides them (next, more, epoch, refused) */
export const RESPONSE_FRAMING_BYTES = 128

/** Encoded size of one entry inside a response: tag, length varint, bytes */
export function entryCost (entry: Uint8Array): number {
  return 1 + varintLength(entry.byteLength) + entry.byteLength
}

/** How many of `entries`, from the first, fit in one response beside its framing */
export function entriesThatFit (entries: Uint8Array[]): number {
  let used = RESPONSE_FRAMING_BYTES
  for (let i = 0; i < entries.length; i++) {
    used += entryCost(entries[i])
    if (used > MAX_DISCOVERY_RESPONSE_BYTES) return i
  }
  return entries.length
}

export function encodeCatalogRequest (request: CatalogRequest): Uint8Array {
  return CatalogRequestPb.encode(checkCatalogRequest(request))
}

export function decodeCatalogRequest (bytes: Uint8Array | Uint8ArrayList): CatalogRequest {
  const pb = decodeCanonical(bytes, MAX_DISCOVERY_REQUEST_BYTES, CatalogRequestPb, {})
  return checkCatalogRequest(pb)
}

function checkCatalogRequest (request: CatalogRequest): CatalogRequest {
  checkLimit(request.limit, MAX_CATALOG_PAGE_ENTRIES)
  if (request.since < 0n || request.since >= 2n ** 64n) throw new InvalidMessageError('Catalog position out of range')
  checkEpoch(request.epoch)
  return { since: request.since, limit: request.limit, epoch: request.epoch }
}

export function encodeCatalogResponse (response: CatalogResponse): Uint8Array {
  if (response.refused != null) return CatalogResponsePb.encode({ entries: [], next: 0n, more: false, epoch: '', refused: REFUSAL_TO_PB[response.refused] })
  checkEntries(response.entries, MAX_CATALOG_PAGE_ENTRIES)
  checkEpoch(response.epoch)
  const bytes = CatalogResponsePb.encode({ ...response, entries: response.entries as Array<Uint8Array<ArrayBuffer>>, refused: Refusal.NONE })
  return checkResponseSize(bytes)
}

export function decodeCatalogResponse (bytes: Uint8Array | Uint8ArrayList): CatalogResponse {
  const pb = decodeCanonical(bytes, MAX_DISCOVERY_RESPONSE_BYTES, CatalogResponsePb, { limits: { entries: MAX_CATALOG_PAGE_ENTRIES } })
  const refused = refusalOf(pb.refused)
  if (refused != null) return { refused }
  checkEntries(pb.entries, MAX_CATALOG_PAGE_ENTRIES)
  checkEpoch(pb.epoch)
  return { entries: pb.entries, next: pb.next, more: pb.more, epoch: pb.epoch }
}

export function encodeSearchRequest (request: SearchRequest): Uint8Array {
  return SearchRequestPb.encode(toSearchPb(checkSearchRequest(request)))
}

export function decodeSearchRequest (bytes: Uint8Array | Uint8ArrayList): SearchRequest {
  const pb = decodeCanonical(bytes, MAX_DISCOVERY_REQUEST_BYTES, SearchRequestPb, {})
  if (pb.category !== '' && !isCategory(pb.category)) throw new InvalidMessageError('Unknown category in a search request')
  return checkSearchRequest({
    text: pb.text,
    category: pb.category === '' ? undefined : pb.category as Category,
    mimeType: pb.mimeType === '' ? undefined : pb.mimeType,
    minSize: pb.minSize === 0n ? undefined : toSize(pb.minSize),
    maxSize: pb.maxSize == null ? undefined : toSize(pb.maxSize),
    author: pb.author === '' ? undefined : pb.author,
    limit: pb.limit
  })
}

function checkSearchRequest (request: SearchRequest): SearchRequest {
  checkLimit(request.limit, MAX_SEARCH_RESULTS)
  if (new TextEncoder().encode(request.text).byteLength > MAX_SEARCH_TEXT_BYTES) throw new InvalidMessageError(`Search text longer than ${MAX_SEARCH_TEXT_BYTES} bytes`)
  if (request.category != null && !isCategory(request.category)) throw new InvalidMessageError('Unknown category in a search request')
  if ((request.mimeType?.length ?? 0) > MAX_MIME_LENGTH) throw new InvalidMessageError('MIME type too long in a search request')
  if ((request.author?.length ?? 0) > MAX_SEARCH_AUTHOR_LENGTH) throw new InvalidMessageError('Author too long in a search request')
  for (const size of [request.minSize, request.maxSize]) {
    if (size != null && (!Number.isSafeInteger(size) || size < 0)) throw new InvalidMessageError('Size bound out of range in a search request')
  }
  return request
}

function toSearchPb (request: SearchRequest): SearchRequestPb {
  return {
    text: request.text,
    category: request.category ?? '',
    mimeType: request.mimeType ?? '',
    minSize: BigInt(request.minSize ?? 0),
    maxSize: request.maxSize == null ? undefined : BigInt(request.maxSize),
    author: request.author ?? '',
    limit: request.limit
  }
}

export function encodeSearchResponse (response: SearchResponse): Uint8Array {
  if (response.refused != null) return SearchResponsePb.encode({ entries: [], refused: REFUSAL_TO_PB[response.refused] })
  checkEntries(response.entries, MAX_SEARCH_RESULTS)
  return checkResponseSize(SearchResponsePb.encode({ entries: response.entries as Array<Uint8Array<ArrayBuffer>>, refused: Refusal.NONE }))
}

export function decodeSearchResponse (bytes: Uint8Array | Uint8ArrayList): SearchResponse {
  const pb = decodeCanonical(bytes, MAX_DISCOVERY_RESPONSE_BYTES, SearchResponsePb, { limits: { entries: MAX_SEARCH_RESULTS } })
  const refused = refusalOf(pb.refused)
  if (refused != null) return { refused }
  checkEntries(pb.entries, MAX_SEARCH_RESULTS)
  return { entries: pb.entries }
}

function refusalOf (refused: Refusal): RefusalReason | undefined {
  if (refused === Refusal.NONE) return undefined
  if (refused === Refusal.RATE_LIMITED) return 'rate-limited'
  if (refused === Refusal.BAD_REQUEST) return 'bad-request'
  throw new InvalidMessageError('Unknown refusal')
}

function checkEntries (entries: Uint8Array[], max: number): void {
  if (entries.length > max) throw new InvalidMessageError(`${entries.length} entries, at most ${max}`)
  for (const entry of entries) {
    if (entry.byteLength === 0 || entry.byteLength > MAX_SIGNED_OFFER_BYTES) throw new InvalidMessageError(`An entry of ${entry.byteLength} bytes; 1 to ${MAX_SIGNED_OFFER_BYTES}`)
  }
}

function checkResponseSize (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_DISCOVERY_RESPONSE_BYTES) throw new InvalidMessageError(`Response of ${bytes.byteLength} bytes exceeds the limit of ${MAX_DISCOVERY_RESPONSE_BYTES}`)
  return bytes
}

function checkLimit (limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new InvalidMessageError(`Limit ${limit} outside 1 to ${max}`)
}

function checkEpoch (epoch: string): void {
  if (epoch.length > MAX_CATALOG_EPOCH_LENGTH) throw new InvalidMessageError(`Epoch longer than ${MAX_CATALOG_EPOCH_LENGTH} characters`)
}

function toSize (value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidMessageError('Size bound out of range in a search request')
  return Number(value)
}

function varintLength (value: number): number {
  let length = 1
  while (value >= 0x80) { value = Math.floor(value / 128); length++ }
  return length
}
