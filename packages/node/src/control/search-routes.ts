/** Control API routes of search, browse and show: validate, call the node, shape the answer */
import type { ServerResponse } from 'node:http'
import type { BrowseRequest, SearchEvent, SearchRequest } from '@peershare/client'
import { type Category, isCategory } from '@peershare/protocol'
import { BadRequestError } from '../errors.js'
import type { PeershareNode } from '../peershare-node.js'
import type { SearchQuery, SearchSort } from '../search/index.js'
import { sendJson } from './json-response.js'
import { streamNdjson } from './ndjson.js'

const SORTS: readonly string[] = ['relevance', 'name', 'size', 'date', 'providers']
/** Longest author peer id or MIME type a request may name */
const MAX_FIELD_LENGTH = 128

/** Answers the route if it is one of these; false otherwise */
export async function handleSearchRoute (node: PeershareNode, route: string, url: URL, res: ServerResponse, body: unknown): Promise<boolean> {
  if (route === 'POST /v1/search') {
    const query = searchArgs(body)
    await streamNdjson<SearchEvent>(res, async (send, signal) => {
      for await (const update of node.search(query, { signal })) send(update)
    })
    return true
  }
  if (route === 'GET /v1/browse') {
    sendJson(res, 200, await node.browse(browseArgs(url.searchParams)))
    return true
  }
  const offer = /^GET \/v1\/offers\/([A-Za-z0-9]+)$/.exec(route)
  if (offer != null) {
    sendJson(res, 200, await node.offerInfo(offer[1]))
    return true
  }
  return false
}

function searchArgs (body: unknown): SearchQuery & { local?: boolean } {
  const req = body as Partial<SearchRequest> | undefined
  if (typeof req?.text !== 'string') throw new BadRequestError('search needs "text": words, or "" for everything')
  if (req.local != null && typeof req.local !== 'boolean') throw new BadRequestError('"local" is true or false')
  for (const key of ['minSize', 'maxSize', 'limit'] as const) {
    if (req[key] != null && !Number.isSafeInteger(req[key])) throw new BadRequestError(`"${key}" is a whole number`)
  }
  return {
    text: req.text,
    category: category(req.category),
    mimeType: field(req.mimeType, 'mimeType'),
    author: field(req.author, 'author'),
    minSize: req.minSize,
    maxSize: req.maxSize,
    sort: sort(req.sort),
    limit: req.limit,
    local: req.local
  }
}

function browseArgs (params: URLSearchParams): Parameters<PeershareNode['browse']>[0] {
  const int = (key: keyof BrowseRequest): number | undefined => {
    const value = params.get(key)
    if (value == null) return undefined
    if (!/^\d{1,15}$/.test(value)) throw new BadRequestError(`"${key}" is a whole number`)
    return Number(value)
  }
  return {
    category: category(params.get('category') ?? undefined),
    author: field(params.get('author') ?? undefined, 'author'),
    sort: sort(params.get('sort') ?? undefined),
    page: int('page'),
    pageSize: int('pageSize')
  }
}

function category (value: unknown): Category | undefined {
  if (value == null) return undefined
  if (!isCategory(value)) throw new BadRequestError('"category" is one of video, audio, image, document, archive, software, other')
  return value
}

function sort (value: unknown): SearchSort | undefined {
  if (value == null) return undefined
  if (typeof value !== 'string' || !SORTS.includes(value)) throw new BadRequestError(`"sort" is one of ${SORTS.join(', ')}`)
  return value as SearchSort
}

function field (value: unknown, name: string): string | undefined {
  if (value == null) return undefined
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD_LENGTH) throw new BadRequestError(`"${name}" is a string of 1 to ${MAX_FIELD_LENGTH} characters`)
  return value
}
