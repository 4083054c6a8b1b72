/** Control API routes of file key grants: grant, list, revoke, inbox */
import type { ServerResponse } from 'node:http'
import type { GrantInfo, GrantRequest } from '@peershare/client'
import { parseContentRef } from '@peershare/protocol'
import { BadRequestError } from '../errors.js'
import { resolvePrefix } from '../id-prefix.js'
import type { PeershareNode } from '../peershare-node.js'
import { sendJson } from './json-response.js'

/** A peer id or contact name from the path, URL-decoded */
function decodePeer (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new BadRequestError('A peer in the path is not URL-encoded')
  }
}

/** Most recipients one grant request may name */
const MAX_GRANT_PEERS = 64

/** Answers the route if it is one of these; false otherwise */
export async function handleKeysRoute (node: PeershareNode, route: string, res: ServerResponse, body: unknown): Promise<boolean> {
  if (route === 'POST /v1/grants') {
    const { fileId, peers } = grantArgs(body)
    sendJson(res, 200, { grants: await node.keys.grant(await localFileId(node, fileId), peers.map(peer => node.contacts.resolve(peer))) })
    return true
  }
  if (route === 'GET /v1/grants') {
    sendJson(res, 200, { grants: node.keys.grants() })
    return true
  }
  const revoke = /^DELETE \/v1\/grants\/([A-Za-z0-9]+)\/([^/]+)$/.exec(route)
  if (revoke != null) {
    const fileId = resolvePrefix(revoke[1], node.keys.grants().map(g => g.fileId), 'granted file')
    const revoked: GrantInfo = await node.keys.revoke(fileId, node.contacts.resolve(decodePeer(revoke[2])))
    sendJson(res, 200, { revoked })
    return true
  }
  if (route === 'GET /v1/inbox') {
    sendJson(res, 200, { entries: await node.keys.inbox() })
    return true
  }
  return false
}

function grantArgs (body: unknown): GrantRequest {
  const req = body as Partial<GrantRequest> | undefined
  if (typeof req?.fileId !== 'string' || req.fileId === '') throw new BadRequestError('grant needs "fileId": a local file id or a unique prefix of one')
  if (!Array.isArray(req.peers) || req.peers.length === 0 || req.peers.length > MAX_GRANT_PEERS || req.peers.some(p => typeof p !== 'string')) {
    throw new BadRequestError(`grant needs "peers": 1 to ${MAX_GRANT_PEERS} peer ids`)
  }
  return { fileId: req.fileId, peers: req.peers }
}

/** The full id of a local file (not a collection) named by its id or a unique prefix */
async function localFileId (node: PeershareNode, prefix: string): Promise<string> {
  const id = await node.localContentId(prefix)
  if (parseContentRef(id).kind !== 'file-id') throw new BadRequestError(`${id} is a collection: grant its files one by one`)
  return id
}
