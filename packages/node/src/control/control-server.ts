/**
 * The local control API: HTTP on 127.0.0.1 only, every request authenticated with
 * the bearer token kept (mode 0600) in the repo, or with a web UI session cookie
 * (webui/: the UI's files and its login are the only answers without either), a
 * Host check against DNS rebinding and an Origin check against other web origins,
 * bounded request bodies, JSON in and out, errors as `{ error }` with a stable code.
 * Routes and shapes are in api-types.ts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rm } from 'node:fs/promises'
import { PortInUseError } from '../errors.js'
import type { PeershareNode } from '../peershare-node.js'
import { freeTcpPortAfter } from '../swarm/listen-ports.js'
import { writeFileAtomic } from '../repo.js'
import type { ApiEndpoint, StopResult } from '@peershare/client'
import { handleRoute } from './routes.js'
import { HttpError, errorBody, statusFor } from './http-errors.js'
import { WebUi } from './webui/index.js'
import { sendJson } from './json-response.js'

export const MAX_BODY_BYTES = 64 * 1024

export interface ControlServerInit {
  /** TCP port on 127.0.0.1; 0 picks a free one @default 0 */
  port?: number
}

export interface ControlServerHooks {
  /** a client asked the daemon to stop (`POST /v1/stop`); without it the route is not there */
  onStopRequest?: () => void
}

export class ControlServer {
  readonly token = randomBytes(32).toString('base64url')
  private readonly server: Server
  private endpoint: ApiEndpoint | undefined
  private readonly webui: WebUi

  constructor (private readonly node: PeershareNode, private readonly hooks: ControlServerHooks = {}) {
    this.server = createServer((req, res) => { void this.onRequest(req, res) })
    this.webui = new WebUi(node, () => this.port())
  }

  /** Listens, then publishes url and token in `<repo>/api.json` */
  async start (init: ControlServerInit = {}): Promise<ApiEndpoint> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(init.port ?? 0, '127.0.0.1', () => { this.server.off('error', reject); resolve() })
    }).catch(async (err: NodeJS.ErrnoException) => {
      // one line naming the port and a free one, as for a busy --listen port (swarm/listen-ports.ts)
      if (err.code !== 'EADDRINUSE' || init.port == null) throw err
      throw new PortInUseError(`Control API port ${init.port} on 127.0.0.1 is in use (another peershare daemon?): pick another, e.g. --api-port ${await freeTcpPortAfter('127.0.0.1', init.port)}, or none for a free one`)
    })
    const { port } = this.server.address() as AddressInfo
    this.endpoint = { url: `http://127.0.0.1:${port}`, token: this.token, pid: process.pid }
    await writeFileAtomic(this.node.paths.api, JSON.stringify(this.endpoint))
    return this.endpoint
  }

  async stop (): Promise<void> {
    await rm(this.node.paths.api, { force: true })
    this.webui.close()
    this.server.closeAllConnections()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  private async onRequest (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      this.checkHost(req)
      if (await this.webui.handlePublic(req, res)) return
      const byCookie = this.authenticate(req)
      if (await this.webui.handle(req, res, byCookie)) return
      const body = req.method === 'POST' ? await readJson(req) : undefined
      if (this.stopRequested(req, res)) return
      await handleRoute(this.node, req, res, body)
      this.webui.answered(req)
    } catch (err: any) {
      if (res.headersSent) {
        res.end()
        return
      }
      sendJson(res, statusFor(err), errorBody(err))
    }
  }

  /**
   * `POST /v1/stop`: answered (with the pid, whose exit tells the client the repo is free)
   * before the daemon begins to stop, which closes this server
   */
  private stopRequested (req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || req.url !== '/v1/stop' || this.hooks.onStopRequest == null) return false
    const answer: StopResult = { stopping: true, pid: process.pid }
    sendJson(res, 202, answer)
    res.once('finish', () => { this.hooks.onStopRequest?.() })
    return true
  }

  private port (): number {
    return (this.server.address() as AddressInfo).port
  }

  private checkHost (req: IncomingMessage): void {
    const port = this.port()
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(403, 'ERR_FORBIDDEN', 'Requests must address 127.0.0.1')
    }
  }

  /** The api token, or a web UI session cookie (then true); either way a foreign Origin is refused */
  private authenticate (req: IncomingMessage): boolean {
    if (this.webui.authenticate(req)) return true
    const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''))
    const expected = Buffer.from(this.token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      // a browser whose session cookie no longer counts is told so, not about an API token it never had
      if (req.headers.authorization == null && this.webui.hadSession(req)) throw new HttpError(401, 'ERR_UNAUTHORIZED', 'Your web UI session has ended (logged out, or the daemon restarted): open a new link from `peershare webui`')
      throw new HttpError(401, 'ERR_UNAUTHORIZED', 'Missing or wrong API token')
    }
    return false
  }
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = []
  let size = 0
  for await (const part of req) {
    size += (part as Buffer).byteLength
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'ERR_TOO_LARGE', `Request body over ${MAX_BODY_BYTES} bytes`)
    parts.push(part as Buffer)
  }
  if (size === 0) return {}
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'))
  } catch {
    throw new HttpError(400, 'ERR_BAD_REQUEST', 'Request body is not JSON')
  }
}
