/**
 * Search and browse: a local full-text index over the catalog (own and cached
 * offers), remote queries fanned out to a few peers over `/peershare/search/1.0.0`
 * whose signed answers are verified, cached and re-ranked locally, and browse by
 * category, author, filters and sort.
 */
import type { Category } from '@peershare/protocol'
import type { CatalogEntry } from '../catalog/index.js'

export type SearchSort = 'relevance' | 'name' | 'size' | 'date' | 'providers'

export interface SearchQuery {
  /** words; prefix and typo tolerant; '' matches everything (browse) */
  text: string
  category?: Category
  /** an exact MIME type, or a prefix ending in '/' ('video/') */
  mimeType?: string
  minSize?: number
  maxSize?: number
  /** offers of this author (peer id) only */
  author?: string
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
  fanOut(query: SearchQuery, options?: { signal?: AbortSignal }): AsyncIterable<RemoteAnswer>
}
