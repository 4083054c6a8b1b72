/**
 * `peershare browse [category] [--author <peer>]`: the catalog (own and cached
 * offers) page by page; without a category or author, how many offers each category holds
 */
import type { BrowseRequest } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatTable } from '../format.js'
import { offerRow, OFFER_HEADER } from './offer-table.js'

export interface BrowseOptions {
  category?: string
  author?: string
  sort?: BrowseRequest['sort']
  page?: number
  json?: boolean
}

export async function browse (options: BrowseOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const result = await client.browse({ category: options.category, author: options.author, sort: options.sort, page: options.page })
  if (options.json === true) {
    print(JSON.stringify(result))
    return
  }
  if (options.category == null && options.author == null && result.categories != null) {
    const rows = Object.entries(result.categories).map(([category, count]) => [category, String(count)])
    for (const line of formatTable(['CATEGORY', 'OFFERS'], rows, [1])) print(line)
    print(`${result.total} offer(s); list one with \`peershare browse <category>\``)
    return
  }
  if (result.results.length === 0) {
    print(result.total === 0 ? 'No offers.' : `No offers on page ${result.page} (${result.total} in all).`)
    return
  }
  print(OFFER_HEADER)
  for (const offer of result.results) print(offerRow(offer))
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize))
  print(`page ${result.page} of ${pages}, ${result.total} offer(s)${result.page < pages ? `; next: --page ${result.page + 1}` : ''}`)
}
