/**
 * The local search index: one MiniSearch document per content id over the catalog's
 * live offers (own and cached). Several authors offering the same file are one
 * document listing every author, so results never hold a content id twice.
 *
 * Built at start from `CatalogView.entries()` in slices (the event loop stays free
 * between them), kept current through `onChange`. Changes mark a content id dirty;
 * dirty documents are re-indexed in the next slice or before the next query, so a
 * query always sees every change made before it.
 */
import type { Logger } from '@libp2p/interface'
import type { Category, Offer } from '@peershare/protocol'
import MiniSearch, { type SearchResult } from 'minisearch'
import type { CatalogChange, CatalogEntry, CatalogView } from '../catalog/index.js'
import type { SearchQuery } from './index.js'
import { type Sortable, availabilityFactor, compareBy, freshnessFactor } from './ranking.js'
import { tokenizeField, tokenizeQuery } from './tokenize.js'

/** Query terms beyond this many are dropped (each costs a fuzzy and prefix walk) */
export const MAX_QUERY_TERMS = 16
/** Offers of one content id whose text is indexed: distinct names, descriptions, tags */
const MAX_NAMES = 4
const MAX_DESCRIPTIONS = 2
const MAX_TAGS = 64

/** What the index keeps of one author's live offer */
export interface IndexedOffer {
  offer: Offer
  receivedAt: number
  own: boolean
}

/** One result: a content id, the offer shown for it, every author offering it */
export interface IndexHit {
  contentId: string
  /** BM25 x availability x freshness; 0 without query text */
  score: number
  /** own first, else the newest received, among the offers the filters match */
  shown: IndexedOffer
  /** every author with a live offer of it (the shown one first) */
  authors: string[]
  /** live providers seen (availability.ts) */
  providers: number
  /** this node's receipt of the newest version of any author's offer */
  receivedAt: number
}

export interface IndexResult {
  /** the page asked for */
  hits: IndexHit[]
  /** every match */
  total: number
  /** 'all': every term matched; 'some': none matched them all, so any term counted (OR fallback) */
  match: 'all' | 'some'
}

export interface SearchIndexInit {
  catalog: Pick<CatalogView, 'entries' | 'onChange'>
  /** live providers seen of a content id with these authors */
  providers(contentId: string, authors: Iterable<string>): number
  clock?: () => number
  log?: Logger
  /** offers indexed between two yields to the event loop while building @default 1000 */
  sliceSize?: number
}

interface Doc {
  /** author -> offer */
  offers: Map<string, IndexedOffer>
}

/** A matching document and its score */
interface Scored {
  id: string
  doc: Doc
  score: number
}

/** What MiniSearch indexes of a content id */
interface IndexText {
  id: string
  name: string
  tags: string
  description: string
}

export class SearchIndex {
  private readonly docs = new Map<string, Doc>()
  private readonly dirty = new Set<string>()
  /** removals seen while the first scan runs: the scan may still yield what they removed */
  private readonly removedDuringBuild = new Set<string>()
  private readonly mini: MiniSearch<IndexText>
  private readonly clock: () => number
  private building = false
  private stopped = false
  private unsubscribe?: () => void
  /** settles when the first build is done (never rejects; a failed scan is logged) */
  ready: Promise<void> = Promise.resolve()
  /** ms the first build took, once done */
  buildMs?: number

  constructor (private readonly init: SearchIndexInit) {
    this.clock = init.clock ?? Date.now
    this.mini = new MiniSearch<IndexText>({
      fields: ['name', 'tags', 'description'],
      storeFields: [],
      tokenize: tokenizeField,
      searchOptions: {
        tokenize: tokenizeQuery,
        boost: { name: 3, tags: 2, description: 1 },
        prefix: (_term, i, terms) => i === terms.length - 1,
        fuzzy: fuzziness
      }
    })
  }

  /** Subscribes to changes and starts the first build in the background */
  start (): void {
    this.stopped = false
    this.unsubscribe = this.init.catalog.onChange(change => { this.apply(change) })
    this.building = true
    const started = this.clock()
    this.ready = this.build().then(() => {
      this.buildMs = this.clock() - started
      this.init.log?.('search index built: %d content ids in %d ms', this.docs.size, this.buildMs)
    }, (err: Error) => {
      this.init.log?.error('search index build failed: %s', err.message)
    }).finally(() => {
      this.building = false
      this.removedDuringBuild.clear()
    })
  }

  stop (): void {
    this.stopped = true
    this.unsubscribe?.()
  }

  /** Content ids indexed (own and cached) */
  get size (): number {
    this.flush()
    return this.docs.size
  }

  /** Every content id held, for id prefixes */
  ids (): IterableIterator<string> {
    return this.docs.keys()
  }

  /**
   * Ranked, filtered, sorted matches; `offset` skips that many (paging). Text that
   * leaves no term matches everything the filters let through (browse).
   */
  query (query: SearchQuery, offset = 0): IndexResult {
    this.flush()
    const terms = tokenizeQuery(query.text).slice(0, MAX_QUERY_TERMS)
    const filtered = hasFilter(query)
    const matching = new Map<string, IndexedOffer[]>()
    const offersMatching = (id: string): IndexedOffer[] => {
      let found = matching.get(id)
      if (found == null) {
        found = filterOffers(this.docs.get(id), query)
        matching.set(id, found)
      }
      return found
    }
    const sort = query.sort ?? 'relevance'
    const k = offset + (query.limit ?? Number.MAX_SAFE_INTEGER)
    let match: IndexResult['match'] = 'all'
    let total: number
    let page: Sortable[]
    if (terms.length === 0) {
      const scored: Scored[] = []
      for (const [id, doc] of this.docs) if (!filtered || offersMatching(id).length > 0) scored.push({ id, doc, score: 0 })
      total = scored.length
      page = topSorted(scored.map(sc => this.sortKey(sc, sort, filtered ? offersMatching(sc.id) : undefined)), compareBy(sort), k)
    } else {
      const filter = filtered ? offersMatching : undefined
      // typo tolerance only when the words as typed (and the last as a prefix) fill no page:
      // a typo's variants are many, and common words need none
      let results = this.textSearch(terms, 'AND', filter, false)
      if (results.length < k) results = this.textSearch(terms, 'AND', filter, true)
      if (results.length === 0 && terms.length > 1) {
        match = 'some'
        results = this.textSearch(terms, 'OR', filter, true)
      }
      total = results.length
      page = sort === 'relevance' ? this.bestByRelevance(results, k) : topSorted(this.scoreAll(results).map(sc => this.sortKey(sc, sort, filtered ? offersMatching(sc.id) : undefined)), compareBy(sort), k)
    }
    // whole hits (author lists, provider counts) only for the page
    const hits = page.slice(offset).map(key => this.hit(key.contentId, key.score, filtered ? offersMatching(key.contentId) : undefined))
    return { hits, total, match }
  }

  /**
   * The best `k` by final score from MiniSearch's results, which come sorted by BM25:
   * the factors only lower a score (each at most 1), so once a BM25 score is below the
   * k-th final score, nothing after it can enter, and most matches are never scored
   */
  private bestByRelevance (results: SearchResult[], k: number): Sortable[] {
    const cmp = compareBy('relevance')
    const now = this.clock()
    const top: Sortable[] = []
    for (const r of results) {
      if (top.length >= k && r.score < top[k - 1].score) break
      const doc = this.docs.get(r.id)
      if (doc == null) continue
      insertSorted(top, { contentId: r.id, score: r.score * this.factor(r.id, doc, now), name: '', size: 0, created: 0, receivedAt: newestReceipt(doc), providers: 0 }, cmp, k)
    }
    return top
  }

  private scoreAll (results: SearchResult[]): Scored[] {
    const now = this.clock()
    const scored: Scored[] = []
    for (const r of results) {
      const doc = this.docs.get(r.id)
      if (doc != null) scored.push({ id: r.id, doc, score: r.score * this.factor(r.id, doc, now) })
    }
    return scored
  }

  private sortKey ({ id, doc, score }: Scored, sort: NonNullable<SearchQuery['sort']>, matching?: IndexedOffer[]): Sortable {
    const receivedAt = newestReceipt(doc)
    if (sort === 'relevance') return { contentId: id, score, name: '', size: 0, created: 0, receivedAt, providers: 0 }
    const { offer } = pickShown(matching ?? doc.offers.values())
    // counting providers costs the most: only the providers order needs it for every match
    const providers = sort === 'providers' ? this.init.providers(id, doc.offers.keys()) : 0
    return { contentId: id, score, name: offer.name, size: offer.size, created: offer.created, receivedAt, providers }
  }

  /** One content id as a hit (no score), if held */
  get (contentId: string): IndexHit | undefined {
    this.flush()
    const doc = this.docs.get(contentId)
    if (doc == null || doc.offers.size === 0) return undefined
    return this.hit(contentId, 0)
  }

  /** Content ids per category (of the offers matching `author`, if given); one with authors disagreeing counts in each */
  categoryCounts (author?: string): Map<Category, number> {
    this.flush()
    const counts = new Map<Category, number>()
    for (const doc of this.docs.values()) {
      const categories = new Set<Category>()
      for (const { offer } of doc.offers.values()) if (author == null || offer.author === author) categories.add(offer.category)
      for (const c of categories) counts.set(c, (counts.get(c) ?? 0) + 1)
    }
    return counts
  }

  /** MiniSearch's matches, best BM25 first (the ranking factors are applied by the caller, once per document) */
  private textSearch (terms: string[], combineWith: 'AND' | 'OR', offersMatching: ((id: string) => IndexedOffer[]) | undefined, typos: boolean): SearchResult[] {
    return this.mini.search(terms.join(' '), {
      combineWith,
      fuzzy: typos ? fuzziness : false,
      filter: offersMatching == null ? undefined : (result) => offersMatching(result.id).length > 0
    })
  }

  /** availability x freshness, each in [0.9, 1] */
  private factor (contentId: string, doc: Doc, now: number): number {
    return availabilityFactor(this.init.providers(contentId, doc.offers.keys())) * freshnessFactor(newestReceipt(doc), now)
  }

  private hit (contentId: string, score: number, matching?: IndexedOffer[]): IndexHit {
    const doc = this.docs.get(contentId) as Doc
    const shown = pickShown(matching ?? doc.offers.values())
    const authors = [shown.offer.author, ...[...doc.offers.keys()].filter(a => a !== shown.offer.author)]
    return { contentId, score, shown, authors, providers: this.init.providers(contentId, authors), receivedAt: newestReceipt(doc) }
  }

  private async build (): Promise<void> {
    const slice = this.init.sliceSize ?? 1000
    let n = 0
    for await (const entry of this.init.catalog.entries()) {
      if (this.stopped) return
      if (!this.removedDuringBuild.has(key(entry.signed.offer.author, entry.signed.offer.contentId))) this.put(entry)
      if (++n % slice === 0) {
        this.flush()
        await new Promise(resolve => setImmediate(resolve))
      }
    }
    this.flush()
  }

  private apply (change: CatalogChange): void {
    if (change.kind === 'put') {
      const { offer } = change.entry.signed
      this.removedDuringBuild.delete(key(offer.author, offer.contentId))
      this.put(change.entry)
      return
    }
    if (this.building) this.removedDuringBuild.add(key(change.author, change.contentId))
    const doc = this.docs.get(change.contentId)
    if (doc?.offers.delete(change.author) === true) this.dirty.add(change.contentId)
  }

  /** Keeps the newer of what is held and `entry` (the scan may yield a version older than a change already applied) */
  private put (entry: CatalogEntry): void {
    const { offer } = entry.signed
    if (offer.removed) return
    let doc = this.docs.get(offer.contentId)
    if (doc == null) {
      doc = { offers: new Map() }
      this.docs.set(offer.contentId, doc)
    }
    const held = doc.offers.get(offer.author)
    if (held != null && held.offer.seq > offer.seq) return
    doc.offers.set(offer.author, { offer, receivedAt: entry.receivedAt, own: entry.own })
    this.dirty.add(offer.contentId)
  }

  /** Re-indexes every dirty content id */
  private flush (): void {
    for (const id of this.dirty) {
      if (this.mini.has(id)) this.mini.discard(id)
      const doc = this.docs.get(id)
      if (doc == null || doc.offers.size === 0) this.docs.delete(id)
      else this.mini.add(indexText(id, doc))
    }
    this.dirty.clear()
  }
}

/**
 * Typo tolerance: 0.2 edits per character, rounded up, at most 2; none under 4
 * characters (short words would match everything). `holidya` (7) allows 2 edits, so
 * it finds `holiday` (a swap is two edits).
 */
function fuzziness (term: string): number {
  return term.length < 4 ? 0 : Math.min(2, Math.ceil(term.length * 0.2))
}

/**
 * The first `k` of `items` in order: a full sort when `k` is a good part of them,
 * else one pass keeping the best `k` sorted (most items lose at the first comparison)
 */
function topSorted<T> (items: T[], cmp: (a: T, b: T) => number, k: number): T[] {
  if (k <= 0) return []
  if (k * 4 >= items.length) return items.sort(cmp).slice(0, k)
  const top: T[] = []
  for (const item of items) insertSorted(top, item, cmp, k)
  return top
}

/** Puts `item` in its place in the sorted `top`, which keeps at most `k` */
function insertSorted<T> (top: T[], item: T, cmp: (a: T, b: T) => number, k: number): void {
  if (top.length >= k && cmp(item, top[k - 1]) >= 0) return
  let lo = 0
  let hi = top.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cmp(top[mid], item) <= 0) lo = mid + 1
    else hi = mid
  }
  top.splice(lo, 0, item)
  if (top.length > k) top.pop()
}

function key (author: string, contentId: string): string {
  return `${author}/${contentId}`
}

function newestReceipt (doc: Doc): number {
  let newest = 0
  for (const o of doc.offers.values()) newest = Math.max(newest, o.receivedAt)
  return newest
}

/** Own first, else the newest received (of at least one offer) */
function pickShown (offers: Iterable<IndexedOffer>): IndexedOffer {
  let best: IndexedOffer | undefined
  for (const o of offers) {
    if (best == null || (o.own !== best.own ? o.own : o.receivedAt > best.receivedAt)) best = o
  }
  return best as IndexedOffer
}

function hasFilter (q: SearchQuery): boolean {
  return q.category != null || q.author != null || q.minSize != null || q.maxSize != null || q.mimeType != null
}

function filterOffers (doc: Doc | undefined, q: SearchQuery): IndexedOffer[] {
  if (doc == null) return []
  if (!hasFilter(q)) return [...doc.offers.values()]
  return [...doc.offers.values()].filter(({ offer }) => {
    if (q.category != null && offer.category !== q.category) return false
    if (q.author != null && offer.author !== q.author) return false
    if (q.minSize != null && offer.size < q.minSize) return false
    if (q.maxSize != null && offer.size > q.maxSize) return false
    if (q.mimeType != null && !mimeMatches(offer.mimeType, q.mimeType)) return false
    return true
  })
}

/** `video/` matches every video type; anything else matches exactly (parameters such as `; charset` ignored) */
function mimeMatches (mimeType: string, wanted: string): boolean {
  const type = mimeType.split(';')[0].trim().toLowerCase()
  const want = wanted.trim().toLowerCase()
  return want.endsWith('/') ? type.startsWith(want) : type === want
}

function indexText (id: string, doc: Doc): IndexText {
  const offers = [...doc.offers.values()].map(o => o.offer)
  return {
    id,
    name: distinct(offers.map(o => o.name), MAX_NAMES).join(' '),
    tags: distinct(offers.flatMap(o => o.tags), MAX_TAGS).join(' '),
    description: distinct(offers.map(o => o.description).filter(d => d !== ''), MAX_DESCRIPTIONS).join(' ')
  }
}

function distinct (values: string[], max: number): string[] {
  return [...new Set(values)].slice(0, max)
}
