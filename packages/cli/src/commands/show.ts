/** `peershare show <id>`: one offer in full: every author's version, the thumbnail on disk, providers */
import type { OfferInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatSize } from '../format.js'

export interface ShowOptions {
  /** content id or a unique prefix of one in the catalog */
  id: string
  json?: boolean
}

export async function show (options: ShowOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const detail = await client.offer(options.id)
  if (options.json === true) {
    print(JSON.stringify(detail))
    return
  }
  const { offer } = detail
  print(offer.name)
  const field = (label: string, value: string): void => { print(`  ${label.padEnd(12)}${value}`) }
  field('id', `${offer.contentId} (${offer.kind})`)
  field('size', formatSize(offer.size))
  field('type', `${offer.mimeType === '' ? 'unknown' : offer.mimeType} (${offer.category})`)
  if (offer.sha256 !== '') field('sha256', offer.sha256)
  if (offer.tags.length > 0) field('tags', offer.tags.join(', '))
  if (offer.description !== '') field('description', offer.description.replace(/\s+/g, ' '))
  if (offer.created > 0) field('created', date(offer.created))
  if (offer.modified > 0) field('modified', date(offer.modified))
  field('thumbnail', detail.thumbnail?.path ?? (offer.thumbnail === '' ? 'none' : `${offer.thumbnail} (${detail.thumbnailError ?? 'not fetched'})`))
  field('authors', String(detail.offers.length))
  for (const o of detail.offers) print(`    ${authorLine(o)}`)
  field('providers', String(detail.providers.length))
  for (const p of detail.providers) print(`    ${p.peerId}`)
  print(`  get it with \`peershare get ${offer.contentId}\``)
}

function authorLine (o: OfferInfo): string {
  const named = o.name === '' ? '' : `  "${o.name}"`
  return `${o.author}${o.own ? ' (this node)' : ''}  seq ${o.seq}, received ${date(o.receivedAt)}${named}`
}

function date (ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}
