/**
 * Search, browse and show over the local index, and the answers to remote queries.
 * A search yields the local results at once, then after each remote answer (already
 * verified and stored in the catalog by the fan-out) the local index queried again:
 * one ranking, never scores of different peers compared.
 */
import type { Logger } from '@libp2p/interface'
import type { BrowseResult, OfferDetail, OfferInfo, SearchHit, SearchUpdate } from '@peershare/client'
import { CATEGORIES, type Category, MAX_SEARCH_TEXT_BYTES, MAX_THUMBNAIL_BYTES, offerKind } from '@peershare/protocol'
import type { CatalogEntry, CatalogView } from '../catalog/index.js'
import { BadRequestError, FileNotFoundError } from '../errors.js'
import { resolvePrefix } from '../id-prefix.js'
import { ProviderTracker, countProviders } from './availability.js'
import type { QueryAnswerer, RemoteSearch, SearchQuery, SearchSort } from './index.js'
import { type IndexHit, type IndexedOffer, SearchIndex } from './search-index.js'

/** Results of one search when the caller names no limit */
export const DEFAULT_SEARCH_LIMIT = 20
/** Most results one search returns */
export const MAX_SEARCH_LIMIT = 200
/** Offers in one browse page when the caller names no size, and at most */
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100
/** Offers of one content id in an answer to a remote query (the asker counts authors for availability) */
const MAX_ANSWER_OFFERS_PER_HIT = 3

export interface BrowseQuery {
  category?: Category
  author?: string
  sort?: SearchSort
  /** from 1 @default 1 */
  page?: number
  /** @default 20 */
  pageSize?: number
}

export interface SearchServiceInit {
  catalog: CatalogView
  /** this node's peer id */
  self: string
  /** which peers are connected now; kept current through connect/disconnect events */
  connected: () => Iterable<string>
  remote?: RemoteSearch
  /** providers of a content id as the DHT finds them, ended by the signal */
  findProviders(contentId: string, signal: AbortSignal): AsyncIterable<{ peerId: string, addresses: string[] }>
  /** the local path of a stored file, fetching it (from `peers` first) when it is not held; fails above `maxBytes` */
  fetchSmallFile(fileId: string, options: { peers: string[], maxBytes: number, signal: AbortSignal }): Promise<string>
  /** how long `show` looks for providers and the thumbnail (ms) @default 5000 */
  showTimeout?: number
  tracker?: ProviderTracker
  clock?: () => number
  log: Logger
}

export class SearchService implements QueryAnswerer {
  readonly index: SearchIndex
  readonly tracker: ProviderTracker
  private readonly connected = new Set<string>()

  constructor (private readonly init: SearchServiceInit) {
    this.tracker = init.tracker ?? new ProviderTracker({ clock: init.clock })
    this.index = new SearchIndex({
      catalog: init.catalog,
      providers: (contentId, authors) => countProviders(authors, this.tracker.recent(contentId), peer => this.connected.has(peer), init.self),
      clock: init.clock,
      log: init.log
    })
  }

  start (): void {
    for (const peer of this.init.connected()) this.connected.add(peer)
    this.index.start()
  }

  stop (): void {
    this.index.stop()
  }

  /** connection events: availability counts connected authors */
  peerConnected (peer: string): void {
    this.connected.add(peer)
  }

  peerDisconnected (peer: string): void {
    this.connected.delete(peer)
  }

  /** Whether the first build of the index is done, and the content ids it holds */
  indexStatus (): { built: boolean, contentIds: number } {
    return { built: this.index.buildMs != null, contentIds: this.index.size }
  }

  /** A peer was seen providing a content id (a provider lookup) */
  sawProvider (contentId: string, peer: string): void {
    if (peer !== this.init.self) this.tracker.record(contentId, peer)
  }

  /**
   * Local results at once; unless `local`, again after each remote answer (the
   * merged list re-ranked here); then `done` with the peers asked and answered
   */
  async * search (query: SearchQuery & { local?: boolean }, options: { signal?: AbortSignal } = {}): AsyncGenerator<SearchUpdate> {
    const q = checkQuery(query)
    await this.index.ready
    yield this.results(q, 'local')
    let asked = 0
    let answered = 0
    if (query.local !== true && this.init.remote != null) {
      for await (const answer of this.init.remote.fanOut(q, { signal: options.signal, onAsked: n => { asked = n } })) {
        answered++
        yield this.results(q, answer.peer)
      }
    }
    yield { type: 'done', asked: Math.max(asked, answered), answered }
  }

  /** A page of offers by category, author and sort; per-category counts without a category */
  async browse (query: BrowseQuery = {}): Promise<BrowseResult> {
    const page = checkInt(query.page ?? 1, 1, Number.MAX_SAFE_INTEGER, 'page')
    const pageSize = checkInt(query.pageSize ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, 'pageSize')
    const sort = query.sort == null || query.sort === 'relevance' ? 'date' : query.sort
    await this.index.ready
    const found = this.index.query({ text: '', category: query.category, author: query.author, sort, limit: pageSize }, (page - 1) * pageSize)
    const result: BrowseResult = { results: found.hits.map(offerInfo), total: found.total, page, pageSize }
    if (query.category == null) {
      const counts = this.index.categoryCounts(query.author)
      result.categories = Object.fromEntries(CATEGORIES.map(c => [c, counts.get(c) ?? 0]))
    }
    return result
  }

  /** The full id of a content id in the catalog named by a unique prefix (or in full) */
  resolve (prefix: string): string {
    return resolvePrefix(prefix, this.index.ids(), 'offer')
  }

  /**
   * `show`: the offers held of a content id (or unique prefix), the thumbnail's local
   * path (fetched if not held, at most MAX_THUMBNAIL_BYTES) and providers found
   * within `showTimeout`
   */
  async show (ref: string, options: { signal?: AbortSignal } = {}): Promise<OfferDetail> {
    await this.index.ready
    const contentId = this.resolve(ref)
    const hit = this.index.get(contentId)
    if (hit == null) throw new FileNotFoundError(`No offer of ${contentId}`)
    const entries = await this.init.catalog.offersOf(contentId)
    const offer = offerInfo(hit)
    const byAuthor = new Map(entries.filter(e => !e.signed.offer.removed).map(e => [e.signed.offer.author, e]))
    const offers = hit.authors.flatMap(a => {
      const entry = byAuthor.get(a)
      return entry == null ? [] : [offerInfo({ ...hit, shown: indexed(entry) })]
    })
    const timeout = AbortSignal.timeout(this.init.showTimeout ?? 5000)
    const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
    const [providers, thumbnail] = await Promise.all([this.providers(contentId, signal), this.thumbnail(hit, signal)])
    return { offer: { ...offer, providers: this.index.get(contentId)?.providers ?? offer.providers }, offers, providers, ...thumbnail }
  }

  /** What a remote query gets: the signed offers of the best matches, a few authors each, at most `limit` */
  async answer (query: SearchQuery, limit: number): Promise<CatalogEntry[]> {
    await this.index.ready
    const found = this.index.query({ ...query, limit })
    const entries: CatalogEntry[] = []
    for (const hit of found.hits) {
      const held = await this.init.catalog.offersOf(hit.contentId)
      const ordered = hit.authors.flatMap(a => held.filter(e => e.signed.offer.author === a && !e.signed.offer.removed))
      for (const entry of ordered.slice(0, MAX_ANSWER_OFFERS_PER_HIT)) {
        if (entries.length >= limit) return entries
        entries.push(entry)
      }
    }
    return entries
  }

  private results (query: SearchQuery, from: string): SearchUpdate {
    const found = this.index.query(query)
    return { type: 'results', results: found.hits.map(searchHit), total: found.total, match: found.match, from }
  }

  private async providers (contentId: string, signal: AbortSignal): Promise<OfferDetail['providers']> {
    const found: OfferDetail['providers'] = []
    try {
      for await (const p of this.init.findProviders(contentId, signal)) {
        this.sawProvider(contentId, p.peerId)
        found.push({ peerId: p.peerId, addresses: p.addresses })
      }
    } catch (err: any) {
      // the time limit ends the lookup: what was found so far is the answer
      if (!signal.aborted) this.init.log('provider lookup for show of %s: %s', contentId, err.message)
    }
    return found
  }

  private async thumbnail (hit: IndexHit, signal: AbortSignal): Promise<Pick<OfferDetail, 'thumbnail' | 'thumbnailError'>> {
    const fileId = hit.shown.offer.thumbnail
    if (fileId === '') return { thumbnail: null }
    try {
      const path = await this.init.fetchSmallFile(fileId, { peers: hit.authors.filter(a => a !== this.init.self), maxBytes: MAX_THUMBNAIL_BYTES, signal })
      return { thumbnail: { fileId, path } }
    } catch (err: any) {
      return { thumbnail: null, thumbnailError: signal.aborted ? 'nobody served the thumbnail in time' : String(err?.message ?? err) }
    }
  }
}

function indexed (entry: CatalogEntry): IndexedOffer {
  return { offer: entry.signed.offer, receivedAt: entry.receivedAt, own: entry.own }
}

/** The JSON shape of a hit (client `OfferInfo`) */
export function offerInfo (hit: IndexHit): OfferInfo {
  const { offer, own } = hit.shown
  return {
    contentId: hit.contentId,
    kind: offerKind(offer),
    name: offer.name,
    size: offer.size,
    mimeType: offer.mimeType,
    sha256: offer.sha256,
    category: offer.category,
    tags: offer.tags,
    description: offer.description,
    created: offer.created,
    modified: offer.modified,
    thumbnail: offer.thumbnail,
    author: offer.author,
    seq: offer.seq.toString(),
    authors: hit.authors,
    providers: hit.providers,
    receivedAt: hit.receivedAt,
    own
  }
}

function searchHit (hit: IndexHit): SearchHit {
  return { ...offerInfo(hit), score: Math.round(hit.score * 1000) / 1000 }
}

/** Bounds and defaults of a query from the API or a user */
function checkQuery (query: SearchQuery): SearchQuery {
  if (typeof query.text !== 'string') throw new BadRequestError('A search needs text (words; "" for everything)')
  if (new TextEncoder().encode(query.text).byteLength > MAX_SEARCH_TEXT_BYTES) throw new BadRequestError(`Search text longer than ${MAX_SEARCH_TEXT_BYTES} bytes`)
  const limit = checkInt(query.limit ?? DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT, 'limit')
  if (query.minSize != null) checkInt(query.minSize, 0, Number.MAX_SAFE_INTEGER, 'minSize')
  if (query.maxSize != null) checkInt(query.maxSize, 0, Number.MAX_SAFE_INTEGER, 'maxSize')
  return { ...query, limit }
}

function checkInt (value: number, min: number, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new BadRequestError(`${what} must be a whole number from ${min} to ${max}`)
  return value
}
