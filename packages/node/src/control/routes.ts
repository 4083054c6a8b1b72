/** The control API's routes: validate the request, call the node, shape the answer */
import { once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAbsolute } from 'node:path'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { type CollectionId, categoryForMime, decodeTicket, formatFileId, isTicket, parseContentRef, parseFileRef } from '@peershare/protocol'
import type { CollectionRecord } from '../collection/index.js'
import type { StartOptions } from '../download/transfer-manager.js'
import { checkContent, readableContent } from '../download/content-stream.js'
import { lookupSpan } from '../download/open-source.js'
import { BadRequestError, DownloadTimeoutError, FileNotFoundError } from '../errors.js'
import type { PeershareNode } from '../peershare-node.js'
import { type ShareOptions, statToShare } from '../share.js'
import { handleReplicationRoute, replicasArg } from './replication-routes.js'
import { type FileRecord, plaintextPath } from '../store/file-record.js'
import type { ContentStatus } from '../store/file-store.js'
import { type BandwidthLimits, type CollectionInfo, type CollectionShareResult, type ConnectRequest, type FileInfo, type GetEvent, type GetRequest, type NodeInfo, type ProvidersEvent, type ProvidersRequest, type ShareRequest, type ShareResult, type TicketInfo, type VerifiedFileInfo, type VerifyRequest, VERSION, VISIBILITIES, parseRate } from '@peershare/client'
import { sendJson } from './json-response.js'
import { streamNdjson } from './ndjson.js'
import { handleSearchRoute } from './search-routes.js'
import { handleKeysRoute } from './keys-routes.js'
import { handleAccessRoute } from './access-routes.js'
import { HttpError } from './http-errors.js'
import { serveMetrics } from './metrics-route.js'
import { browserAddresses } from '../transports/index.js'

/** Most paths one share request may name (each may be a whole folder) */
const MAX_SHARE_PATHS = 1024
/** Most recipients one encrypted share may name (more are granted later, one by one) */
const MAX_SHARE_RECIPIENTS = 256

export async function handleRoute (node: PeershareNode, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const route = `${req.method} ${url.pathname}`
  if (route === 'GET /v1/id') return sendJson(res, 200, nodeInfo(node))
  if (route === 'GET /metrics') return serveMetrics(node.metrics, res)
  if (route === 'GET /v1/files') return sendJson(res, 200, await listFiles(node, url.searchParams.get('all') === 'true'))
  if (route === 'GET /v1/replicas') return sendJson(res, 200, { replicas: node.holder.list(), ...node.holder.usage() })
  if (route === 'POST /v1/share') return sendJson(res, 200, await shareRequest(node, body))
  const ticket = /^GET \/v1\/files\/([A-Za-z0-9]+)\/ticket$/.exec(route)
  if (ticket != null) return sendJson(res, 200, ticketInfo(await node.ticket(ticket[1])))
  if (route === 'POST /v1/get') return startGet(node, res, getArgs(body))
  if (route === 'GET /v1/transfers') return sendJson(res, 200, { transfers: node.transfers.list() })
  const content = /^GET \/v1\/content\/([A-Za-z0-9]+)$/.exec(route)
  if (content != null) return streamContent(node, res, content[1])
  const control = /^POST \/v1\/transfers\/([A-Za-z0-9]+)\/(pause|resume|cancel)$/.exec(route)
  if (control != null) return sendJson(res, 200, await controlTransfer(node, await node.transferId(control[1]), control[2]))
  if (route === 'GET /v1/limits') return sendJson(res, 200, node.bandwidth.limits())
  if (route === 'POST /v1/limits') return sendJson(res, 200, await setLimits(node, body))
  if (route === 'GET /v1/status') return sendJson(res, 200, await node.status())
  if (route === 'GET /v1/browser-addresses') return sendJson(res, 200, browserAddresses(node.peerId, node.libp2p.getMultiaddrs()))
  if (route === 'GET /v1/peers') return sendJson(res, 200, { peers: await node.peers() })
  if (route === 'POST /v1/swarm/connect') {
    const peerId = await node.connect(parseMultiaddr((body as Partial<ConnectRequest>)?.addr))
    return sendJson(res, 200, { peerId: peerId.toString() })
  }
  if (route === 'POST /v1/providers') return streamProviders(node, res, providersArgs(body))
  const rm = /^DELETE \/v1\/files\/([A-Za-z0-9]+)$/.exec(route)
  if (rm != null) return sendJson(res, 200, { removed: await node.remove(rm[1]) })
  if (route === 'POST /v1/verify') return sendJson(res, 200, { files: await verify(node, body) })
  if (await handleSearchRoute(node, route, url, res, body)) return
  if (await handleKeysRoute(node, route, res, body)) return
  if (await handleAccessRoute(node, route, res, body)) return
  if (await handleReplicationRoute(node, route, res, body)) return
  throw new HttpError(404, 'ERR_NOT_FOUND', `No route ${route}`)
}

/** Shares what a ShareRequest names (POST /v1/share, and the web UI's uploads) */
export async function shareRequest (node: PeershareNode, body: unknown): Promise<ShareResult | CollectionShareResult> {
  const [paths, options, replicas] = shareArgs(body)
  const policy = replicas == null ? undefined : replicasArg(node, body) ?? node.config.replication.replicas
  return share(node, paths, { ...options, ...(policy != null ? { replicas: policy } : {}) })
}

function nodeInfo (node: PeershareNode): NodeInfo {
  return {
    peerId: node.peerId.toString(),
    addresses: node.addresses.map(a => a.toString()),
    repo: node.config.repo,
    version: VERSION
  }
}

export function fileInfo (record: FileRecord, status: ContentStatus = 'ok', reason?: string): FileInfo {
  if (record.ciphertext === true) return encryptedFileInfo(record, status)
  return {
    fileId: record.fileId,
    status,
    ...(reason == null || status === 'ok' ? {} : { reason }),
    name: record.metadata.name,
    size: record.size,
    sha256: record.sha256,
    mimeType: record.metadata.mimeType,
    description: record.metadata.description,
    tags: record.metadata.tags,
    created: record.metadata.created,
    ...offerDetails(record),
    ...(record.location.kind === 'path' ? { path: record.location.path } : {}),
    ...(record.visibility == null ? {} : { visibility: record.visibility })
  }
}

/** An encrypted file: its sealed facts where the key is held, else the ciphertext's, named by its id */
function encryptedFileInfo (record: FileRecord, status: ContentStatus): FileInfo {
  const sealed = record.encrypted
  const mimeType = sealed?.mimeType ?? record.metadata.mimeType
  return {
    fileId: record.fileId,
    status,
    name: sealed?.name ?? record.fileId,
    size: sealed?.plaintextSize ?? record.size,
    sha256: sealed?.plaintextSha256 ?? record.sha256,
    mimeType,
    description: '',
    tags: [],
    created: record.metadata.created,
    category: categoryForMime(mimeType),
    modified: 0,
    ...(sealed?.path == null ? {} : { path: sealed.path }),
    encrypted: true
  }
}

/** Category, modified time and thumbnail of a file; a file without details (a download) gets its MIME type's category */
function offerDetails (record: FileRecord): Pick<FileInfo, 'category' | 'modified' | 'thumbnail' | 'thumbnailOf'> {
  const { details, thumbnailOf } = record
  return {
    category: details?.category ?? categoryForMime(record.metadata.mimeType),
    modified: details?.modified ?? 0,
    ...(details?.thumbnail == null ? {} : { thumbnail: details.thumbnail }),
    ...(thumbnailOf == null ? {} : { thumbnailOf })
  }
}

function ticketInfo ({ ticket, id, name, size }: { ticket: string, id: string, name: string, size: number }): TicketInfo {
  return { ticket, id, name, size, addresses: decodeTicket(ticket).addresses.map(a => a.toString()) }
}

/** Hashes every chunk of one file (`ref`) or of all; listings of collections and thumbnails are checked but not shown */
async function verify (node: PeershareNode, body: unknown): Promise<VerifiedFileInfo[]> {
  const ref = (body as Partial<VerifyRequest> | undefined)?.ref
  if (ref != null && typeof ref !== 'string') throw new BadRequestError('ref must be a file id or a unique prefix of one')
  const files = await node.verify(ref)
  return files.filter(f => ref != null || (f.record.listingOf == null && f.record.thumbnailOf == null)).map(f => ({ ...fileInfo(f.record, f.status, f.reason), damagedChunks: f.damagedChunks }))
}

/**
 * Files (listings of collections left out: they show as their collection; thumbnails
 * too, unless `all`) and collections
 */
async function listFiles (node: PeershareNode, all: boolean): Promise<{ files: FileInfo[], collections: CollectionInfo[] }> {
  const statuses = node.keeper.replicator.statuses()
  // replicas held for other peers are not the user's files: GET /v1/replicas lists them
  const files = (await node.files()).filter(f => f.record.listingOf == null && f.record.replica == null && (all || f.record.thumbnailOf == null)).map(f => {
    const info = fileInfo(f.record, f.status, f.reason)
    const policy = f.record.replication
    return policy == null ? info : { ...info, replicas: { live: statuses.get(f.record.fileId)?.live.length ?? 0, ...policy } }
  })
  return { files, collections: (await node.listCollections()).map(r => collectionInfo(r)) }
}

export function collectionInfo (record: CollectionRecord, skipped?: string[]): CollectionInfo {
  const { collectionId, name, files, directories, size, description, tags, created, path, details } = record
  return {
    collectionId,
    name,
    files,
    directories,
    size,
    description,
    tags,
    created,
    // a downloaded collection has no details: its category is unknown here
    category: details?.category ?? 'other',
    modified: details?.modified ?? 0,
    ...(details?.thumbnail == null ? {} : { thumbnail: details.thumbnail }),
    ...(path == null ? {} : { path }),
    ...(skipped == null ? {} : { skipped })
  }
}

/** One file as a file; a directory, or several paths, as a collection; each with a ticket */
async function share (node: PeershareNode, paths: string[], options: ShareOptions): Promise<ShareResult | CollectionShareResult> {
  if (paths.length === 1 && (await statToShare(paths[0]))?.isDirectory() !== true) {
    const record = await node.share(paths[0], options)
    return { ...fileInfo(record), ticket: node.ticketFor(record) }
  }
  const shared = await node.shareCollection(paths, options)
  return { ...collectionInfo(shared.record, shared.skipped), ticket: node.collectionTicketFor(shared.record) }
}

function shareArgs (body: unknown): [string[], ShareOptions, string | undefined] {
  const req = body as Partial<ShareRequest>
  const paths = req?.paths ?? (req?.path == null ? undefined : [req.path])
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_SHARE_PATHS || paths.some(p => typeof p !== 'string' || !isAbsolute(p))) {
    throw badRequest(`share needs an absolute "path", or "paths": 1 to ${MAX_SHARE_PATHS} absolute paths`)
  }
  if (req.description != null && typeof req.description !== 'string') throw badRequest('"description" is a string')
  if (req.tags != null && (!Array.isArray(req.tags) || req.tags.some(t => typeof t !== 'string'))) throw badRequest('"tags" is an array of strings')
  if (req.category != null && typeof req.category !== 'string') throw badRequest('"category" is a string: one of video, audio, image, document, archive, software, other')
  if (req.thumbnail != null && (typeof req.thumbnail !== 'string' || !isAbsolute(req.thumbnail))) throw badRequest('"thumbnail" is an absolute path of an image')
  if (req.to != null && (!Array.isArray(req.to) || req.to.length > MAX_SHARE_RECIPIENTS || req.to.some(t => typeof t !== 'string'))) {
    throw badRequest(`"to" is an array of at most ${MAX_SHARE_RECIPIENTS} peer ids or contact names`)
  }
  if (req.visibility != null && !VISIBILITIES.includes(req.visibility)) throw badRequest(`"visibility" is one of ${VISIBILITIES.join(', ')}`)
  if (req.copy != null && typeof req.copy !== 'boolean') throw badRequest('"copy" is true or false')
  return [paths, { description: req.description, ...(req.copy === true ? { copy: true } : {}), tags: req.tags, category: req.category, thumbnail: req.thumbnail, ...(req.to == null ? {} : { to: req.to }), visibility: req.visibility }, req.replicas]
}

function getArgs (body: unknown): GetRequest {
  const req = body as Partial<GetRequest>
  if (typeof req?.ref !== 'string') throw badRequest('get needs "ref": a file id, SHA-256, collection id or ticket')
  if (isTicket(req.ref)) decodeTicket(req.ref)
  else parseContentRef(req.ref)
  if (req.peer != null && typeof req.peer !== 'string') throw badRequest('"peer" is a multiaddr ending in /p2p/<peer id>')
  if (req.peers != null && (!Array.isArray(req.peers) || req.peers.length > 64 || req.peers.some(p => typeof p !== 'string'))) {
    throw badRequest('"peers" is an array of at most 64 multiaddrs')
  }
  if (req.output != null && typeof req.output !== 'string') throw badRequest('"output" is a path')
  if (req.cwd != null && (typeof req.cwd !== 'string' || !isAbsolute(req.cwd))) throw badRequest('"cwd" is an absolute path')
  if (req.priority != null && !['low', 'normal', 'high'].includes(req.priority)) throw badRequest('"priority" is low, normal or high')
  if (req.force != null && typeof req.force !== 'boolean') throw badRequest('"force" is true or false')
  if (req.stream != null && typeof req.stream !== 'boolean') throw badRequest('"stream" is true or false')
  if (req.stream === true && (req.output != null || req.detach === true)) throw badRequest('"stream" goes without "output" and "detach"')
  if (req.hold != null && typeof req.hold !== 'boolean') throw badRequest('"hold" is true or false')
  if (req.hold === true && (req.output != null || req.stream === true)) throw badRequest('"hold" keeps the file in the repo: it goes without "output" and "stream"')
  if (req.timeout != null && (typeof req.timeout !== 'number' || !(req.timeout > 0) || req.timeout > 2 ** 31 - 1)) throw badRequest('"timeout" is a positive number of ms')
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
  let options: StartOptions = { from, peers: args.peers, output: args.output, cwd: args.cwd, priority: args.priority, force: args.force, stream: args.stream, hold: args.hold }
  let id = args.ref
  // a ticket: its sharer joins the peer store and the sources; then its id is fetched like any id
  if (isTicket(id)) ({ id, options } = await node.openTicket(id, options))
  const ref = parseContentRef(id)
  if (ref.kind === 'collection') {
    if (args.stream === true) throw badRequest('a collection cannot be written to stdout: give -o <dir>')
    return startCollectionGet(node, res, ref.collectionId, options, args.detach === true)
  }
  args = { ...args, ref: id }
  if (args.detach === true) {
    const transfer = await node.download(args.ref, options)
    return sendJson(res, 200, transfer.progress())
  }
  await streamNdjson<GetEvent>(res, async (send, signal) => {
    // a file the node holds already is read from the store
    const held = args.stream === true ? await storedFile(node, args.ref) : undefined
    if (held != null) return send({ type: 'done', file: fileInfo(held), path: '' })
    const timeout = args.timeout == null ? undefined : AbortSignal.timeout(args.timeout)
    // joined a download going elsewhere: the file's copy for this get is where it ends
    let copy: Promise<string> | undefined
    const transfer = await node.download(args.ref, { ...options, signal: timeout == null ? signal : AbortSignal.any([signal, timeout]), copied: placed => { copy = placed } })
      .catch((err: Error) => { throw timeout?.aborted === true ? timedOut(args.timeout ?? 0, 'no source answered') : err })
    const unsubscribe = transfer.onProgress(p => { send({ type: 'progress', ...p }) })
    signal.addEventListener('abort', unsubscribe)
    try {
      send({ type: 'progress', ...transfer.progress() })
      const record = await untilTimeout(transfer.done(), timeout)
      if (record == null) {
        // gave up: the download stays, paused, for `resume` or `cancel`
        const last = transfer.progress()
        await transfer.pause()
        throw timedOut(args.timeout ?? 0, `${last.stallMessage ?? `${last.state}, ${last.bytesDone} bytes done`}; the download is paused: \`peershare resume ${transfer.fileId}\` continues it, \`peershare cancel ${transfer.fileId}\` deletes it`)
      }
      const path = copy != null ? await copy : plaintextPath(record) ?? ''
      send({ type: 'done', file: fileInfo(record), path })
    } finally {
      unsubscribe()
    }
  })
}

/** The stored record of a file named by file id, if the node holds it */
async function storedFile (node: PeershareNode, ref: string): Promise<FileRecord | undefined> {
  const parsed = parseFileRef(ref)
  return parsed.kind === 'file-id' ? (await node.store.get(formatFileId(parsed.fileId)))?.record : undefined
}

/** `done` settled, or undefined once `timeout` aborts first */
async function untilTimeout<T> (done: Promise<T>, timeout: AbortSignal | undefined): Promise<T | undefined> {
  if (timeout == null) return done
  const expired = Promise.withResolvers<undefined>()
  const onAbort = (): void => { expired.resolve(undefined) }
  if (timeout.aborted) onAbort()
  timeout.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([done, expired.promise])
  } finally {
    timeout.removeEventListener('abort', onAbort)
  }
}

function timedOut (ms: number, why: string): Error {
  return new DownloadTimeoutError(`Gave up after ${ms / 1000} s: ${why}`)
}

/**
 * The verified bytes of a file, in order, as they arrive (octet stream). A failure
 * after the first byte breaks the connection, so a client never mistakes a
 * truncated stream for the whole file (it also checks the length against the size).
 */
async function streamContent (node: PeershareNode, res: ServerResponse, fileId: string): Promise<void> {
  const sources = { store: node.store, transfers: node.transfers, keys: { fileKeys: node.fileKeys }, damaged: (id: string) => { void node.health.markDamaged(id) } }
  await checkContent(sources, fileId)
  const controller = new AbortController()
  res.on('close', () => { controller.abort() })
  // peers' bytes on the web UI's origin: never sniffed into HTML, never run as a page
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff', 'content-security-policy': "sandbox; default-src 'none'" })
  try {
    for await (const chunk of readableContent(sources, fileId, controller.signal)) {
      if (!res.write(chunk)) await once(res, 'drain', { signal: controller.signal })
    }
    res.end()
  } catch {
    res.destroy()
  }
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

/** Changes the limits given; they are saved in config.json unless `temporary` is true */
async function setLimits (node: PeershareNode, body: unknown): Promise<BandwidthLimits> {
  const req = body as Partial<Record<keyof BandwidthLimits | 'temporary', unknown>>
  if (req?.temporary != null && typeof req.temporary !== 'boolean') throw badRequest('"temporary" is true or false')
  const update: Partial<BandwidthLimits> = {}
  for (const key of ['upload', 'uploadPerPeer', 'download'] as const) {
    const value = req?.[key]
    if (value === undefined) continue
    if (typeof value === 'number') update[key] = value
    else if (typeof value === 'string') update[key] = parseRate(value)
    else throw badRequest(`"${key}" is a rate: bytes per second, or text like "8MiB"`)
  }
  return node.setLimits(update, { temporary: req?.temporary === true })
}

/** Streams providers as the DHTs find them; finding none is an error, so scripts can branch on it */
async function streamProviders (node: PeershareNode, res: ServerResponse, args: ProvidersRequest): Promise<void> {
  await streamNdjson<ProvidersEvent>(res, async (send, signal) => {
    const began = Date.now()
    let count = 0
    for await (const provider of node.providers(args.ref, { timeout: args.timeout, signal })) {
      count++
      send({ type: 'provider', ...provider })
    }
    if (count === 0) {
      const timeout = args.timeout ?? node.config.lookupTimeout
      const took = Date.now() - began
      // a lookup ends at its time limit (give or take a timer's lateness), or sooner once it asked everyone
      throw new FileNotFoundError(`No providers found for ${args.ref} ${lookupSpan(took >= timeout - 100, timeout, took)}`)
    }
    send({ type: 'done', count })
  })
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
