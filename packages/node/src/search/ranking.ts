/**
 * Ranking: MiniSearch's BM25 text score times two factors in [0.9, 1] (Tribler's
 * torrent_rank shape: the text decides, availability and freshness break near-ties).
 *
 * - availability = 0.9 + 0.1 * n / (n + 3), n = live providers seen (see
 *   availability.ts for exactly what counts): 0 -> 0.9, 1 -> 0.925, 3 -> 0.95
 * - freshness = 0.9 + 0.1 / (1 + days / 30), days since THIS node received the newest
 *   version of any author's offer of the content (never the author's clock, which a
 *   peer controls): today -> 1.0, 30 days -> 0.95
 *
 * Scores from different peers are never compared: remote answers are stored in the
 * catalog, and the merged list is this index queried again.
 */
import type { SearchSort } from './index.js'

const DAY_MS = 24 * 60 * 60 * 1000

export function availabilityFactor (providers: number): number {
  const n = Math.max(0, providers)
  return 0.9 + 0.1 * n / (n + 3)
}

export function freshnessFactor (receivedAt: number, now: number): number {
  const days = Math.max(0, now - receivedAt) / DAY_MS
  return 0.9 + 0.1 / (1 + days / 30)
}

/** What a sort compares of a hit */
export interface Sortable {
  contentId: string
  score: number
  name: string
  size: number
  /** offer created time (the author's claim, unix ms; 0 unknown) */
  created: number
  /** this node's receipt of the newest version */
  receivedAt: number
  providers: number
}

/**
 * Orders: relevance (highest score first), name (A to Z, case-insensitive), size
 * (largest first), date (newest created first, unknown last, ties by newest receipt),
 * providers (most first, ties by score). Every order ends on the content id, so a
 * result list is stable.
 */
export function compareBy (sort: SearchSort): (a: Sortable, b: Sortable) => number {
  const byId = (a: Sortable, b: Sortable): number => a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0
  const byScore = (a: Sortable, b: Sortable): number => b.score - a.score
  const then = (...cmps: Array<(a: Sortable, b: Sortable) => number>) => (a: Sortable, b: Sortable): number => {
    for (const cmp of cmps) {
      const d = cmp(a, b)
      if (d !== 0) return d
    }
    return byId(a, b)
  }
  switch (sort) {
    case 'name': return then((a, b) => collator.compare(a.name, b.name))
    case 'size': return then((a, b) => b.size - a.size, byScore)
    case 'date': return then((a, b) => b.created - a.created, (a, b) => b.receivedAt - a.receivedAt)
    case 'providers': return then((a, b) => b.providers - a.providers, byScore)
    default: return then(byScore, (a, b) => b.receivedAt - a.receivedAt)
  }
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true })
