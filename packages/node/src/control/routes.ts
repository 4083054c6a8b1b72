/** The control API's routes: validate the request, call the node, shape the answer */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAbsolute } from 'node:path'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { parseFileRef } from '@peershare/protocol'
import type { PeershareNode } from '../peershare-node.js'
import type { FileRecord } from '../store/file-record.js'
import type { FileInfo, GetEvent, GetRequest, NodeInfo, ShareRequest } from './api-types.js'
import { sendJson } from './control-server.js'
import { HttpError, toApiError } from './http-errors.js'
import { VERSION } from '../version.js'

export async function handleRoute (node: PeershareNode, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const route = `${req.method} ${url.pathname}`
  if (route === 'GET /v1/id') return sendJson(res, 200, nodeInfo(node))
  if (route === 'GET /v1/files') return sendJson(res, 200, { files: (await node.list()).map(fileInfo) })
  if (route === 'POST /v1/share') return sendJson(res, 200, fileInfo(await node.share(...shareArgs(body))))
  if (route === 'POST /v1/get') return streamGet(node, res, getArgs(body))
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

function shareArgs (body: unknown): [string, { description?: string, tags?: string[] }] {
  const req = body as Partial<ShareRequest>
  if (typeof req?.path !== 'string' || !isAbsolute(req.path)) throw badRequest('share needs an absolute "path"')
  if (req.description != null && typeof req.description !== 'string') throw badRequest('"description" is a string')
  if (req.tags != null && (!Array.isArray(req.tags) || req.tags.some(t => typeof t !== 'string'))) throw badRequest('"tags" is an array of strings')
  return [req.path, { description: req.description, tags: req.tags }]
}

function getArgs (body: unknown): GetRequest {
  const req = body as Partial<GetRequest>
  if (typeof req?.ref !== 'string') throw badRequest('get needs "ref": a file id or SHA-256')
  parseFileRef(req.ref)
  if (typeof req.peer !== 'string') throw badRequest('get needs "peer": a multiaddr ending in /p2p/<peer id>')
  if (req.output != null && typeof req.output !== 'string') throw badRequest('"output" is a path')
  if (req.cwd != null && (typeof req.cwd !== 'string' || !isAbsolute(req.cwd))) throw badRequest('"cwd" is an absolute path')
  return req as GetRequest
}

/** Runs a download, streaming progress as NDJSON; a client that hangs up cancels it */
async function streamGet (node: PeershareNode, res: ServerResponse, args: GetRequest): Promise<void> {
  let peer: Multiaddr
  try {
    peer = multiaddr(args.peer)
  } catch {
    throw badRequest(`Not a multiaddr: ${args.peer}`)
  }
  const controller = new AbortController()
  res.on('close', () => { if (!res.writableFinished) controller.abort() })
  res.writeHead(200, { 'content-type': 'application/x-ndjson' })
  const send = (event: GetEvent): void => { res.write(`${JSON.stringify(event)}\n`) }
  try {
    const record = await node.get(args.ref, {
      from: peer,
      output: args.output,
      cwd: args.cwd,
      signal: controller.signal,
      onProgress: (p) => send({ type: 'progress', ...p })
    })
    send({ type: 'done', file: fileInfo(record), path: record.location.kind === 'path' ? record.location.path : '' })
  } catch (err: any) {
    send({ type: 'error', error: toApiError(err) })
  }
  res.end()
}

function badRequest (message: string): HttpError {
  return new HttpError(400, 'ERR_BAD_REQUEST', message)
}
