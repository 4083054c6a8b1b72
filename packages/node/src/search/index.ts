/**
 * Search and browse: a local full-text index over the catalog (own and cached
 * offers), remote queries fanned out to a few peers over `/peershare/search/1.0.0`
 * whose signed answers are verified, cached and re-ranked locally, and browse by
 * category, author, filters and sort.
 */
import type { SearchSort } from '@peershare/client'
import type { SearchRequest } from '@peershare/protocol'
import type { CatalogEntry } from '../catalog/index.js'

export type { SearchSort } from '@peershare/client'

/** A query: the filters a remote query carries (`SearchRequest`), plus the order and page size asked for here */
export interface SearchQuery extends Omit<SearchRequest, 'limit'> {
  sort?: SearchSort
  limit?: number
}

/** Answers a query from the local index: what a remote query gets back */
export interface QueryAnswerer {
  answer(query: SearchQuery, limit: number): Promise<CatalogEntry[]>
}

/** One peer's verified answer to a remote query */
export interface RemoteAnswer {
  peer: string
  entries: CatalogEntry[]
}

/** Asks a bounded number of peers, each answer as it arrives, until all answered or the deadline */
export interface RemoteSearch {
  /** `onAsked` hears how many peers the query went to (for the final "asked N, M answered") */
  fanOut(query: SearchQuery, options?: { signal?: AbortSignal, onAsked?(peers: number): void }): AsyncIterable<RemoteAnswer>
}

export { SearchIndex, type SearchIndexInit, type IndexHit, type IndexResult, type IndexedOffer, MAX_QUERY_TERMS } from './search-index.js'
export { ProviderTracker, type ProviderTrackerInit, countProviders } from './availability.js'
export { availabilityFactor, freshnessFactor, compareBy } from './ranking.js'
export { SearchService, type SearchServiceInit, type BrowseQuery, MAX_SEARCH_LIMIT, DEFAULT_SEARCH_LIMIT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, offerInfo } from './search-service.js'
