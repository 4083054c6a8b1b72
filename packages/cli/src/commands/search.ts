/**
 * `peershare search <words>`: the daemon's index at once, then peers' answers as they
 * arrive (merged and re-ranked in the daemon); rows are printed as results first
 * appear, then one line with how many peers were asked and answered. `--json` prints
 * the final ranked list once.
 */
import { type SearchHit, type SearchRequest, parseSize } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { offerRow, OFFER_HEADER } from './offer-table.js'

export interface SearchOptions {
  words: string[]
  category?: string
  /** MIME type, exact or a prefix ending in / */
  type?: string
  /** sizes with units (700MB, 1.5GiB) */
  minSize?: string
  maxSize?: string
  sort?: SearchRequest['sort']
  local?: boolean
  limit?: number
  json?: boolean
}

export async function search (options: SearchOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const request = searchRequest(options)
  const json = options.json === true
  const shown = new Set<string>()
  const onResults = (results: SearchHit[], match: 'all' | 'some'): void => {
    if (shown.size === 0 && results.length > 0) {
      if (match === 'some') print('No offer has every word; offers with any of them:')
      print(OFFER_HEADER)
    }
    for (const hit of results) {
      if (shown.has(hit.contentId)) continue
      shown.add(hit.contentId)
      print(offerRow(hit))
    }
  }
  const done = await client.search(request, update => {
    if (!json && update.type === 'results') onResults(update.results, update.match)
  })
  if (json) {
    print(JSON.stringify(done))
    return
  }
  if (done.results.length === 0) print('Nothing found.')
  const peers = options.local === true ? 'this node\'s index only' : `asked ${done.asked} peer(s), ${done.answered} answered`
  print(`${done.total} result(s); ${peers}`)
}

function searchRequest (options: SearchOptions): SearchRequest {
  const text = options.words.join(' ').trim()
  if (text === '') throw new UsageError('Give words to search for (browse lists everything: `peershare browse`)')
  // the index's terms are runs of letters and digits (node: search/tokenize.ts); text
  // without any, such as `*`, searched for nothing and so listed every offer
  if (!/[\p{L}\p{N}]/u.test(text)) throw new UsageError(`'${text}' has no words to search for: a search matches words of letters and digits, and has no wildcards (browse lists everything: \`peershare browse\`)`)
  return {
    text,
    ...(options.category == null ? {} : { category: options.category }),
    ...(options.type == null ? {} : { mimeType: options.type }),
    ...(options.minSize == null ? {} : { minSize: parseSize(options.minSize) }),
    ...(options.maxSize == null ? {} : { maxSize: parseSize(options.maxSize) }),
    ...(options.sort == null ? {} : { sort: options.sort }),
    ...(options.limit == null ? {} : { limit: options.limit }),
    ...(options.local === true ? { local: true } : {})
  }
}
