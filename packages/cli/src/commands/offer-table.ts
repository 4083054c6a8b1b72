/**
 * Rows of offers for search and browse: fixed column widths, so rows printed as they
 * stream line up; the id comes last and whole, so it can be copied to `get` or `show`.
 * Names arrive sanitised by the daemon (no control characters or path separators).
 */
import type { OfferInfo } from '@peershare/client'
import { formatBytes } from '../format.js'

const NAME_WIDTH = 40

export const OFFER_HEADER = row('NAME', 'SIZE', 'CATEGORY', 'PEERS', 'ID')

export function offerRow (offer: OfferInfo): string {
  return row(fit(offer.name, NAME_WIDTH), formatBytes(offer.size), offer.category, String(offer.providers), offer.contentId)
}

function row (name: string, size: string, category: string, peers: string, id: string): string {
  return `${name.padEnd(NAME_WIDTH)}  ${size.padStart(10)}  ${category.padEnd(8)}  ${peers.padStart(5)}  ${id}`
}

/** Cut to `width` characters with an ellipsis */
function fit (text: string, width: number): string {
  const chars = [...text]
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`
}
