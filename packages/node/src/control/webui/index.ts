/**
 * The web UI on the control API's port, as the control server sees it: answers that need
 * no credential (the UI's files, the login), authentication by session cookie with the
 * Origin check, and the UI's own routes (login URLs, logout, live events, uploads).
 * Sessions: sessions.ts; events: events.ts; uploads: upload.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PeershareNode } from '../../peershare-node.js'
import { sendJson } from '../json-response.js'
import { HttpError } from '../http-errors.js'
import { LiveEvents } from './events.js'
import { checkOrigin, expiredCookie, handleWebUiPublic, sessionOf } from './public.js'
import { WebUiSessions } from './sessions.js'
import { uploadAndShare } from './upload.js'

export class WebUi {
  private readonly sessions = new WebUiSessions()
  private readonly events: LiveEvents

  /** `port`: the control server's, once it listens */
  constructor (private readonly node: PeershareNode, private readonly port: () => number) {
    // a stream of a session that expired or was pushed out ends at its next event, as one logged out at once
    this.events = new LiveEvents({ transfers: node.transfers }, session => this.sessions.valid(session))
  }

  /** Answers the UI's files and its login (no credential needed); false for anything else */
  async handlePublic (req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return handleWebUiPublic(this.sessions, this.port(), req, res)
  }

  /**
   * Refuses a request from another web origin (throws); true when it is authenticated by
   * a live session cookie (and carries no bearer token, which then decides)
   */
  authenticate (req: IncomingMessage): boolean {
    const session = sessionOf(req, this.port())
    const byCookie = req.headers.authorization == null && session != null && this.sessions.valid(session)
    checkOrigin(req, this.port(), byCookie)
    return byCookie
  }

  /** Whether the request carries a session cookie of this daemon's, live or not */
  hadSession (req: IncomingMessage): boolean {
    return sessionOf(req, this.port()) != null
  }

  /** The UI's routes, for an authenticated request; false for anything else */
  async handle (req: IncomingMessage, res: ServerResponse, byCookie: boolean): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const route = `${req.method} ${url.pathname}`
    if (route === 'POST /v1/webui/login') {
      if (byCookie) throw new HttpError(403, 'ERR_FORBIDDEN', 'Login links are minted with the api token (`peershare webui`)')
      sendJson(res, 200, { url: `http://127.0.0.1:${this.port()}/webui/login?token=${this.sessions.mintLogin()}` })
    } else if (route === 'POST /v1/webui/logout') {
      const session = sessionOf(req, this.port())
      if (session != null) {
        this.sessions.end(session)
        this.events.endSession(session)
      }
      res.setHeader('set-cookie', expiredCookie(this.port()))
      sendJson(res, 200, {})
    } else if (route === 'GET /v1/events') {
      this.events.open(res, byCookie ? sessionOf(req, this.port()) : undefined)
    } else if (route === 'POST /v1/upload') {
      sendJson(res, 200, await uploadAndShare(this.node, req, url))
      this.events.filesChanged()
    } else {
      return false
    }
    return true
  }

  /** A control API route was answered: if it changed the local files, pages reload them */
  answered (req: IncomingMessage): void {
    const changed = (req.method === 'POST' && req.url === '/v1/share') || (req.method === 'DELETE' && (req.url ?? '').startsWith('/v1/files/'))
    if (changed) this.events.filesChanged()
  }

  /** Ends every event stream (the server stops) */
  close (): void {
    this.events.close()
  }
}
