/** The control API's routes: validate the request, call the node, shape the answer */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAbsolute } from 'node:path'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { type CollectionId, parseContentRef } from '@peershare/protocol'
import type { PeershareNode } from '../peershare-node.js'
import type { FileRecord } from '../store/file-record.js'
import type { CollectionRecord } from '../collection/index.js'
import { statToShare } from '../share.js'
import type { ApiError, CollectionInfo, ConnectRequest, FileInfo, GetEvent, GetRequest, NodeInfo, ProvidersEvent, ProvidersRequest, ShareRequest } from './api-types.js'
import { sendJson } from './control-server.js'
import { HttpError, toApiError } from './http-errors.js'
import { VERSION } from '../version.js'
import type { BandwidthLimits } from '../limits/bandwidth.js'
import { parseRate } from '../limits/units.js'

/** Most paths one share request may name (each may be a whole folder) */
const MAX_SHARE_PATHS = 1024

export async function handleRoute (node: PeershareNode, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const route = `${req.method} ${url.pathname}`
  if (route === 'GET /v1/id') return sendJson(res, 200, nodeInfo(node))
  if (route === 'GET /v1/files') return sendJson(res, 200, await listFiles(node))
  if (route === 'POST /v1/share') return sendJson(res, 200, await share(node, ...shareArgs(body)))
  if (route === 'POST /v1/get') return startGet(node, res, getArgs(body))
  if (route === 'GET /v1/transfers') return sendJson(res, 200, { transfers: node.transfers.list() })
  const control = /^POST \/v1\/transfers\/([A-Za-z0-9]+)\/(pause|resume|cancel)$/.exec(route)
  if (control != null) return sendJson(res, 200, await controlTransfer(node, control[1], control[2]))
  if (route === 'GET /v1/limits') return sendJson(res, 200, node.bandwidth.limits())
  if (route === 'POST /v1/limits') return sendJson(res, 200, setLimits(node, body))
  if (route === 'GET /v1/status') return sendJson(res, 200, await node.status())
  if (route === 'GET /v1/peers') return sendJson(res, 200, { peers: await node.peers() })
  if (route === 'POST /v1/swarm/connect') {
    const peerId = await node.connect(parseMultiaddr((body as Partial<ConnectRequest>)?.addr))
    return sendJson(res, 200, { peerId: peerId.toString() })
  }
  if (route === 'POST /v1/providers') return streamProviders(node, res, providersArgs(body))
  const rm = /^DELETE \/v1\/files\/([A-Za-z0-9]+)$/.exec(route)
  if (rm != null) {
    await node.remove(rm[1])
    return sendJson(res, 200, { removed: rm[1] })
  }
  throw new HttpError(404, 'ERR_NOT_FOUND', `No route ${route}`)
}

function nodeInfo (node: PeershareNode): NodeInfo {
  return {
    peerId: node.peerId.toString(),
    addresses: node.addresses.map(a => a.toString()),
    repo: node.config.repo,
    version: VERSION
  }
}

export function fileInfo (record: FileRecord): FileInfo {
  return {
    fileId: record.fileId,
    name: record.metadata.name,
    size: record.size,
    sha256: record.sha256,
    mimeType: record.metadata.mimeType,
    description: record.metadata.description,
    tags: record.metadata.tags,
    created: record.metadata.created,
    ...(record.location.kind === 'path' ? { path: record.location.path } : {})
  }
}

/** Files (listings of collections left out: they show as their collection) and collections */
async function listFiles (node: PeershareNode): Promise<{ files: FileInfo[], collections: CollectionInfo[] }> {
  const files = (await node.list()).filter(f => f.listingOf == null).map(fileInfo)
  return { files, collections: (await node.listCollections()).map(r => collectionInfo(r)) }
}

export function collectionInfo (record: CollectionRecord, skipped?: string[]): CollectionInfo {
  const { collectionId, name, files, directories, size, description, tags, created, path } = record
  return { collectionId, name, files, directories, size, description, tags, created, ...(path == null ? {} : { path }), ...(skipped == null ? {} : { skipped }) }
}

/** One file as a file; a directory, or several paths, as a collection */
async function share (node: PeershareNode, paths: string[], options: { description?: string, tags?: string[] }): Promise<FileInfo | CollectionInfo> {
  if (paths.length === 1 && (await statToShare(paths[0]))?.isDirectory() !== true) return fileInfo(await node.share(paths[0], options))
  const shared = await node.shareCollection(paths, options)
  return collectionInfo(shared.record, shared.skipped)
}

function shareArgs (body: unknown): [string[], { description?: string, tags?: string[] }] {
  const req = body as Partial<ShareRequest>
  const paths = req?.paths ?? (req?.path == null ? undefined : [req.path])
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_SHARE_PATHS || paths.some(p => typeof p !== 'string' || !isAbsolute(p))) {
    throw badRequest(`share needs an absolute "path", or "paths": 1 to ${MAX_SHARE_PATHS} absolute paths`)
  }
  if (req.description != null && typeof req.description !== 'string') throw badRequest('"description" is a string')
  if (req.tags != null && (!Array.isArray(req.tags) || req.tags.some(t => typeof t !== 'string'))) throw badRequest('"tags" is an array of strings')
  return [paths, { description: req.description, tags: req.tags }]
}

function getArgs (body: unknown): GetRequest {
  const req = body as Partial<GetRequest>
  if (typeof req?.ref !== 'string') throw badRequest('get needs "ref": a file id, SHA-256 or collection id')
  parseContentRef(req.ref)
  if (req.peer != null && typeof req.peer !== 'string') throw badRequest('"peer" is a multiaddr ending in /p2p/<peer id>')
  if (req.peers != null && (!Array.isArray(req.peers) || req.peers.length > 64 || req.peers.some(p => typeof p !== 'string'))) {
    throw badRequest('"peers" is an array of at most 64 multiaddrs')
  }
  if (req.output != null && typeof req.output !== 'string') throw badRequest('"output" is a path')
  if (req.cwd != null && (typeof req.cwd !== 'string' || !isAbsolute(req.cwd))) throw badRequest('"cwd" is an absolute path')
  if (req.priority != null && !['low', 'normal', 'high'].includes(req.priority)) throw badRequest('"priority" is low, normal or high')
  return req as GetRequest
}

/**
 * Starts a download in the node (or finds the one under way) and, unless detached,
 * streams its progress as NDJSON until it ends. A client that hangs up only detaches:
 * the download goes on in the daemon.
 */
async function startGet (node: PeershareNode, res: ServerResponse, args: GetRequest): Promise<void> {
  const from = args.peer == null ? undefined : parseMultiaddr(args.peer)
  for (const peer of args.peers ?? []) parseMultiaddr(peer)
  const options = { from, peers: args.peers, output: args.output, cwd: args.cwd, priority: args.priority }
  const ref = parseContentRef(args.ref)
  if (ref.kind === 'collection') return startCollectionGet(node, res, ref.collectionId, options, args.detach === true)
  if (args.detach === true) {
    const transfer = await node.download(args.ref, options)
    return sendJson(res, 200, transfer.progress())
  }
  await streamNdjson<GetEvent>(res, async (send, signal) => {
    const transfer = await node.download(args.ref, { ...options, signal })
    const unsubscribe = transfer.onProgress(p => { send({ type: 'progress', ...p }) })
    signal.addEventListener('abort', unsubscribe)
    try {
      send({ type: 'progress', ...transfer.progress() })
      const record = await transfer.done()
      send({ type: 'done', file: fileInfo(record), path: record.location.kind === 'path' ? record.location.path : '' })
    } finally {
      unsubscribe()
    }
  })
}

/** As startGet, for a collection: progress of the whole tree, then the collection */
async function startCollectionGet (node: PeershareNode, res: ServerResponse, collectionId: CollectionId, options: Parameters<PeershareNode['downloadCollection']>[1], detach: boolean): Promise<void> {
  if (detach) {
    // answered once the listing is verified and the tree laid out, so a bad id or target fails here
    const download = node.downloadCollection(collectionId, options)
    await download.ready()
    return sendJson(res, 200, download.progress())
  }
  await streamNdjson<GetEvent>(res, async (send, signal) => {
    const download = node.downloadCollection(collectionId, options)
    const unsubscribe = download.onProgress(p => { send({ type: 'collection-progress', ...p }) })
    signal.addEventListener('abort', unsubscribe)
    try {
      send({ type: 'collection-progress', ...download.progress() })
      const record = await download.done()
      send({ type: 'done', collection: collectionInfo(record), path: record.path ?? '' })
    } finally {
      unsubscribe()
    }
  })
}

async function controlTransfer (node: PeershareNode, fileId: string, action: string): Promise<unknown> {
  if (action === 'pause') return node.transfers.pause(fileId)
  if (action === 'resume') return node.transfers.resume(fileId)
  await node.transfers.cancel(fileId)
  return { cancelled: fileId }
}

function setLimits (node: PeershareNode, body: unknown): BandwidthLimits {
  const req = body as Partial<Record<keyof BandwidthLimits, unknown>>
  const update: Partial<BandwidthLimits> = {}
  for (const key of ['upload', 'uploadPerPeer', 'download'] as const) {
    const value = req?.[key]
    if (value === undefined) continue
    if (typeof value === 'number') update[key] = value
    else if (typeof value === 'string') update[key] = parseRate(value)
    else throw badRequest(`"${key}" is a rate: bytes per second, or text like "8MiB"`)
  }
  node.bandwidth.setLimits(update)
  return node.bandwidth.limits()
}

/** Streams providers as the DHT finds them */
async function streamProviders (node: PeershareNode, res: ServerResponse, args: ProvidersRequest): Promise<void> {
  await streamNdjson<ProvidersEvent>(res, async (send, signal) => {
    let count = 0
    for await (const provider of node.providers(args.ref, { timeout: args.timeout, signal })) {
      count++
      send({ type: 'provider', ...provider })
    }
    send({ type: 'done', count })
  })
}

/**
 * An NDJSON response: `work` sends events; a failure becomes a final error event;
 * a client that hangs up aborts `work` through its signal.
 */
async function streamNdjson<E> (res: ServerResponse, work: (send: (event: E) => void, signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController()
  res.on('close', () => { if (!res.writableFinished) controller.abort() })
  res.writeHead(200, { 'content-type': 'application/x-ndjson' })
  const send = (event: E | { type: 'error', error: ApiError }): void => { res.write(`${JSON.stringify(event)}\n`) }
  try {
    await work(send, controller.signal)
  } catch (err: any) {
    send({ type: 'error', error: toApiError(err) })
  }
  res.end()
}

function providersArgs (body: unknown): ProvidersRequest {
  const req = body as Partial<ProvidersRequest>
  if (typeof req?.ref !== 'string') throw badRequest('providers needs "ref": a file id, SHA-256 or collection id')
  parseContentRef(req.ref)
  if (req.timeout != null && (typeof req.timeout !== 'number' || !(req.timeout > 0) || req.timeout > 600_000)) {
    throw badRequest('"timeout" is a number of ms up to 600000')
  }
  return req as ProvidersRequest
}

function parseMultiaddr (text: unknown): Multiaddr {
  if (typeof text !== 'string') throw badRequest('Expected a multiaddr')
  try {
    return multiaddr(text)
  } catch {
    throw badRequest(`Not a multiaddr: ${text}`)
  }
}

function badRequest (message: string): HttpError {
  return new HttpError(400, 'ERR_BAD_REQUEST', message)
}
