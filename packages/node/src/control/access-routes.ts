/** Control API routes of contacts and visibility: validate, call the node, shape the answer */
import type { ServerResponse } from 'node:http'
import { type ContactInfo, type ContactRequest, VISIBILITIES, type VisibilityRequest } from '@peershare/client'
import type { Contact } from '../contacts/index.js'
import { BadRequestError } from '../errors.js'
import type { PeershareNode } from '../peershare-node.js'
import { sendJson } from './json-response.js'

/** Answers the route if it is one of these; false otherwise */
export async function handleAccessRoute (node: PeershareNode, route: string, res: ServerResponse, body: unknown): Promise<boolean> {
  if (route === 'GET /v1/contacts') {
    sendJson(res, 200, { contacts: node.contacts.ls().map(contactInfo) })
    return true
  }
  if (route === 'POST /v1/contacts') {
    const req = body as Partial<ContactRequest> | undefined
    if (typeof req?.peerId !== 'string') throw new BadRequestError('contacts add needs "peerId"')
    if (req.name != null && typeof req.name !== 'string') throw new BadRequestError('"name" is text')
    sendJson(res, 200, contactInfo(await node.contacts.add(req.peerId, { name: req.name })))
    return true
  }
  const rm = /^DELETE \/v1\/contacts\/([^/]+)$/.exec(route)
  if (rm != null) {
    sendJson(res, 200, contactInfo(await node.contacts.rm(decoded(rm[1]))))
    return true
  }
  const visibility = /^POST \/v1\/files\/([A-Za-z0-9]+)\/visibility$/.exec(route)
  if (visibility != null) {
    const level = (body as Partial<VisibilityRequest> | undefined)?.visibility
    if (level == null || !VISIBILITIES.includes(level)) throw new BadRequestError(`"visibility" is one of ${VISIBILITIES.join(', ')}`)
    const record = await node.setVisibility(visibility[1], level)
    sendJson(res, 200, { fileId: record.fileId, visibility: record.visibility ?? 'public' })
    return true
  }
  return false
}

function decoded (component: string): string {
  try {
    return decodeURIComponent(component)
  } catch {
    throw new BadRequestError('The contact in the path is not URL-encoded text')
  }
}

function contactInfo (contact: Contact): ContactInfo {
  return { peerId: contact.peerId.toString(), ...(contact.name == null ? {} : { name: contact.name }), added: contact.added }
}
