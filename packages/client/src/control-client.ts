/**
 * A client of a running node's control API: HTTP (fetch by default) and JSON only, so
 * it runs in a browser too. `connectToRepo` (in repo.ts) finds a daemon through
 * `<repo>/api.json` and sends requests with node:http, which starts faster than fetch.
 * The CLI is a thin layer over this; so can any local script be.
 */
import { PeershareError } from './errors.js'
import type { ApiEndpoint, ApiError, BandwidthLimits, BrowserAddresses, BrowseRequest, BrowseResult, OfferDetail, SearchEvent, SearchHit, SearchRequest, SearchUpdate, CollectionInfo, CollectionProgress, CollectionShareResult, FileInfo, TransferProgress, GetEvent, GetRequest, GrantInfo, InboxEntry, LimitsRequest, NodeInfo, NodeStatus, PeerEntry, ProvidersEvent, ProvidersRequest, ShareRequest, ShareResult, TicketInfo, VerifiedFileInfo } from './api-types.js'
import type { ContactInfo, FileVisibility, ReplicasInfo, ReplicationInfo, StopResult, WebUiLogin } from './api-types.js'

/** No daemon answers for this repo */
export class DaemonNotRunningError extends PeershareError {
  static override name = 'DaemonNotRunningError'
  override name = 'DaemonNotRunningError'
  override code = 'ERR_DAEMON_NOT_RUNNING'
}

/** A stream of the daemon's (a download's progress, a search's results) broke off mid-way: it stopped, or crashed */
export class DaemonLostError extends PeershareError {
  static override name = 'DaemonLostError'
  override name = 'DaemonLostError'
  override code = 'ERR_DAEMON_LOST'
}

/** A plain request got no answer in time: the daemon is there but hung, or far too busy */
export class DaemonNotAnsweringError extends PeershareError {
  static override name = 'DaemonNotAnsweringError'
  override name = 'DaemonNotAnsweringError'
  override code = 'ERR_DAEMON_NOT_ANSWERING'
}

/** The daemon answered with an error; `code` is the API's stable code */
export class ControlApiError extends PeershareError {
  static override name = 'ControlApiError'
  override name = 'ControlApiError'
  constructor (error: ApiError) {
    super(error.message)
    this.code = error.code
  }
}

/** The error for a repo (or, without one, an endpoint) that no daemon answers for: what to do about it */
export function daemonNotRunning (repo: string | undefined, url?: string): DaemonNotRunningError {
  if (repo == null) return new DaemonNotRunningError(`No daemon answers at ${url}`)
  return new DaemonNotRunningError(`No daemon is running for repo ${repo}: start one with \`peershare --repo ${shellQuote(repo)} daemon\``)
}

/** `path` as one shell word: bare when safe, else single-quoted */
export function shellQuote (path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`
}

/** A plain request (not a download's progress stream) that takes longer has a hung daemon behind it */
const JSON_TIMEOUT_MS = 120_000

/** What the client needs of an HTTP response (fetch's Response has it) */
export interface HttpResponse {
  ok: boolean
  status: number
  json(): Promise<unknown>
  body: AsyncIterable<Uint8Array> | null
}

export interface HttpRequest {
  method: string
  headers: Record<string, string>
  body?: string
  signal?: AbortSignal
}

/** Sends one request; rejects when nothing answers */
export type HttpTransport = (url: string, request: HttpRequest) => Promise<HttpResponse>

export interface ControlClientInit {
  /** the repo of the daemon, named in errors when it does not answer */
  repo?: string
  /** how requests are sent @default fetch */
  transport?: HttpTransport
}

export class ControlClient {
  constructor (private readonly endpoint: ApiEndpoint, private readonly init: ControlClientInit = {}) {}

  async id (): Promise<NodeInfo> {
    return this.json('GET', '/v1/id')
  }

  /** Local files; thumbnails only with `all` */
  async files (options: { all?: boolean } = {}): Promise<FileInfo[]> {
    return (await this.json<{ files: FileInfo[] }>('GET', options.all === true ? '/v1/files?all=true' : '/v1/files')).files
  }

  /** Shares a file, or a folder or several paths as a collection (the answer has a collectionId); with a ticket */
  async share (request: ShareRequest): Promise<ShareResult | CollectionShareResult> {
    // no time limit: the daemon hashes the whole file (or folder) before it answers
    const res = await this.request('POST', '/v1/share', request)
    return await answer(res) as ShareResult | CollectionShareResult
  }

  /** Replicas this node holds for other peers, and the quota they use */
  async replicas (): Promise<ReplicasInfo> {
    return this.json<ReplicasInfo>('GET', '/v1/replicas')
  }

  async collections (): Promise<CollectionInfo[]> {
    return (await this.json<{ collections: CollectionInfo[] }>('GET', '/v1/files')).collections
  }

  /** A fresh ticket for a local file or collection (by id or unique prefix) */
  async ticket (fileId: string): Promise<TicketInfo> {
    return this.json('GET', `/v1/files/${encodeURIComponent(fileId)}/ticket`)
  }

  async status (): Promise<NodeStatus> {
    return this.json('GET', '/v1/status')
  }

  /** Asks the daemon to stop, as SIGTERM does; it answers first, then its process ends once stopped */
  async stop (): Promise<StopResult> {
    return this.json('POST', '/v1/stop', {})
  }

  /** The addresses a browser can dial (WebRTC-direct, ws, wss), each with its transport and scope */
  async browserAddresses (): Promise<BrowserAddresses> {
    return this.json('GET', '/v1/browser-addresses')
  }

  /** A one-time login URL for the web UI (short-lived, single use) */
  async webuiLogin (): Promise<WebUiLogin> {
    return this.json<WebUiLogin>('POST', '/v1/webui/login', {})
  }

  async peers (): Promise<PeerEntry[]> {
    return (await this.json<{ peers: PeerEntry[] }>('GET', '/v1/peers')).peers
  }

  /** Dials a peer; resolves with its peer id */
  async connect (addr: string): Promise<string> {
    return (await this.json<{ peerId: string }>('POST', '/v1/swarm/connect', { addr })).peerId
  }

  /** Streams providers of a file as they are found; resolves with how many */
  async providers (request: ProvidersRequest, onProvider: (provider: Extract<ProvidersEvent, { type: 'provider' }>) => void, signal?: AbortSignal): Promise<number> {
    const res = await this.request('POST', '/v1/providers', request, signal)
    for await (const event of ndjson<ProvidersEvent>(res, signal)) {
      if (event.type === 'error') throw new ControlApiError(event.error)
      if (event.type === 'provider') onProvider(event)
      else return event.count
    }
    throw new ControlApiError({ code: 'ERR_INTERNAL', message: 'The daemon ended the lookup without a result' })
  }

  /**
   * Searches the daemon's index and, unless `local`, peers; `onUpdate` hears each
   * results list as it streams. Resolves with the last list and the peers asked and answered.
   */
  async search (request: SearchRequest, onUpdate: (update: SearchUpdate) => void = () => {}, signal?: AbortSignal): Promise<{ results: SearchHit[], total: number, match: 'all' | 'some', asked: number, answered: number }> {
    const res = await this.request('POST', '/v1/search', request, signal)
    let last: Extract<SearchUpdate, { type: 'results' }> | undefined
    for await (const event of ndjson<SearchEvent>(res, signal)) {
      if (event.type === 'error') throw new ControlApiError(event.error)
      onUpdate(event)
      if (event.type === 'results') last = event
      else return { results: last?.results ?? [], total: last?.total ?? 0, match: last?.match ?? 'all', asked: event.asked, answered: event.answered }
    }
    throw new ControlApiError({ code: 'ERR_INTERNAL', message: 'The daemon ended the search without a result' })
  }

  /** A page of the catalog by category, author and sort; per-category counts without a category */
  async browse (request: BrowseRequest = {}): Promise<BrowseResult> {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(request)) if (value != null) params.set(key, String(value))
    const query = params.size === 0 ? '' : `?${params.toString()}`
    return this.json('GET', `/v1/browse${query}`)
  }

  /** One offer in full (by content id or unique prefix): every author's version, thumbnail, providers */
  async offer (id: string): Promise<OfferDetail> {
    return this.json('GET', `/v1/offers/${encodeURIComponent(id)}`)
  }

  /** Grants a local file (id or unique prefix) to peers: its key for an encrypted file, else the permission; pushed now or retried */
  async grant (fileId: string, peers: string[]): Promise<GrantInfo[]> {
    return (await this.json<{ grants: GrantInfo[] }>('POST', '/v1/grants', { fileId, peers })).grants
  }

  /** The grants this node made, with their delivery state */
  async grants (): Promise<GrantInfo[]> {
    return (await this.json<{ grants: GrantInfo[] }>('GET', '/v1/grants')).grants
  }

  /** Revokes the grant of a file (id or unique prefix of a granted one) to a peer */
  async revoke (fileId: string, peer: string): Promise<GrantInfo> {
    return (await this.json<{ revoked: GrantInfo }>('DELETE', `/v1/grants/${encodeURIComponent(fileId)}/${encodeURIComponent(peer)}`)).revoked
  }

  /** Grants this node received, newest first */
  async inbox (): Promise<InboxEntry[]> {
    return (await this.json<{ entries: InboxEntry[] }>('GET', '/v1/inbox')).entries
  }

  /** Starts a download in the daemon and returns at once */
  async startDownload (request: GetRequest): Promise<TransferProgress | CollectionProgress> {
    return this.json('POST', '/v1/get', { ...request, detach: true })
  }

  async transfers (): Promise<TransferProgress[]> {
    return (await this.json<{ transfers: TransferProgress[] }>('GET', '/v1/transfers')).transfers
  }

  async pause (fileId: string): Promise<TransferProgress> {
    return this.json('POST', `/v1/transfers/${encodeURIComponent(fileId)}/pause`, {})
  }

  async resume (fileId: string): Promise<TransferProgress> {
    return this.json('POST', `/v1/transfers/${encodeURIComponent(fileId)}/resume`, {})
  }

  /** Cancels a download (by id or unique prefix); resolves with its full id */
  async cancel (fileId: string): Promise<string> {
    return (await this.json<{ cancelled: string }>('POST', `/v1/transfers/${encodeURIComponent(fileId)}/cancel`, {})).cancelled
  }

  async limits (): Promise<BandwidthLimits> {
    return this.json('GET', '/v1/limits')
  }

  /** Changes limits; the daemon saves them in config.json unless `temporary` */
  async setLimits (limits: LimitsRequest): Promise<BandwidthLimits> {
    return this.json('POST', '/v1/limits', limits)
  }

  /** Forgets a local file (by id or unique prefix); resolves with its full id */
  async remove (fileId: string): Promise<string> {
    return (await this.json<{ removed: string }>('DELETE', `/v1/files/${encodeURIComponent(fileId)}`)).removed
  }

  /** Adds a contact (or renames one); names are unique ignoring case */
  async addContact (peerId: string, name?: string): Promise<ContactInfo> {
    return this.json('POST', '/v1/contacts', name == null ? { peerId } : { peerId, name })
  }

  async contacts (): Promise<ContactInfo[]> {
    return (await this.json<{ contacts: ContactInfo[] }>('GET', '/v1/contacts')).contacts
  }

  /** Removes a contact by name or peer id; resolves with the contact removed */
  async removeContact (nameOrPeerId: string): Promise<ContactInfo> {
    return this.json('DELETE', `/v1/contacts/${encodeURIComponent(nameOrPeerId)}`)
  }

  /** Changes who a local file (id or unique prefix) is served to; resolves with its full id and new visibility */
  async setVisibility (fileId: string, visibility: FileVisibility): Promise<{ fileId: string, visibility: FileVisibility }> {
    return this.json('POST', `/v1/files/${encodeURIComponent(fileId)}/visibility`, { visibility })
  }

  /** Sets how many peers keep a shared file alive (`<min>[:<max>]`; none: the config default) and checks it at once */
  async replicate (fileId: string, replicas?: string): Promise<ReplicationInfo> {
    return this.json('POST', `/v1/files/${encodeURIComponent(fileId)}/replication`, replicas == null ? {} : { replicas })
  }

  /** A file's replication: live holders, target, state, why short, last check */
  async replication (fileId: string): Promise<ReplicationInfo> {
    return this.json('GET', `/v1/files/${encodeURIComponent(fileId)}/replication`)
  }

  /**
   * Hashes every chunk of every local file (or of one, by id or unique prefix) and
   * reports each file's status; no time limit, since a large repo takes a while
   */
  async verify (ref?: string): Promise<VerifiedFileInfo[]> {
    const res = await this.request('POST', '/v1/verify', ref == null ? {} : { ref })
    return (await answer(res) as { files: VerifiedFileInfo[] }).files
  }

  /**
   * The verified bytes of a file in order, as they arrive (the store's copy, or its
   * download's). A stream the daemon breaks off ends in an error, never silently.
   */
  async * content (fileId: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const res = await this.request('GET', `/v1/content/${encodeURIComponent(fileId)}`, undefined, signal)
    if (res.body == null) return
    yield * lostIsSaid(res.body, signal)
  }

  /** Runs a download, calling `onEvent` for each progress event; resolves with the done event */
  async get (request: GetRequest, onEvent: (event: GetEvent) => void = () => {}, signal?: AbortSignal): Promise<Extract<GetEvent, { type: 'done' }>> {
    const res = await this.request('POST', '/v1/get', request, signal)
    let done: Extract<GetEvent, { type: 'done' }> | undefined
    for await (const event of ndjson<GetEvent>(res, signal)) {
      if (event.type === 'error') throw new ControlApiError(event.error)
      onEvent(event)
      if (event.type === 'done') done = event
    }
    if (done == null) throw new ControlApiError({ code: 'ERR_INTERNAL', message: 'The daemon ended the download without a result' })
    return done
  }

  private async json<T> (method: string, path: string, body?: unknown): Promise<T> {
    const timeout = AbortSignal.timeout(JSON_TIMEOUT_MS)
    try {
      return await answer(await this.request(method, path, body, timeout)) as T
    } catch (err: any) {
      // said as what it is, not "The operation was aborted"
      if (timeout.aborted) throw new DaemonNotAnsweringError(`The daemon did not answer ${method} ${path.split('?')[0]} within ${JSON_TIMEOUT_MS / 1000} s: it is hung or far too busy (its log may say why)`)
      throw err
    }
  }

  private async request (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HttpResponse> {
    const send = this.init.transport ?? fetch
    let res: HttpResponse
    try {
      res = await send(`${this.endpoint.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
        body: body == null ? undefined : JSON.stringify(body),
        signal
      })
    } catch (err: any) {
      if (signal?.aborted === true) throw err
      // refused: nobody listens; the connection breaking under the request: the daemon was there and went
      if (brokeOff(err)) throw lost(err)
      throw daemonNotRunning(this.init.repo, this.endpoint.url)
    }
    if (!res.ok) {
      const payload = await res.json().catch(() => undefined) as { error?: ApiError } | undefined
      throw new ControlApiError(payload?.error ?? { code: 'ERR_INTERNAL', message: `HTTP ${res.status}` })
    }
    return res
  }
}

/** Codes of a connection that broke off under a request (undici's and node:http's), not one refused */
const BROKE_OFF = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE'])

function brokeOff (err: any): boolean {
  return BROKE_OFF.has(err?.cause?.code ?? err?.code)
}

function lost (err: any): DaemonLostError {
  return new DaemonLostError(`The daemon stopped answering mid-way (it stopped, or crashed): ${err?.cause?.message ?? err?.message ?? err}`)
}

/** A JSON answer's body; one that breaks off is the daemon lost, not "terminated" */
async function answer (res: HttpResponse): Promise<unknown> {
  try {
    return await res.json()
  } catch (err: any) {
    if (err instanceof SyntaxError) throw err
    throw lost(err)
  }
}

async function * ndjson<T> (res: HttpResponse, signal?: AbortSignal): AsyncGenerator<T> {
  if (res.body == null) return
  const decoder = new TextDecoder()
  let pending = ''
  for await (const part of lostIsSaid(res.body, signal)) {
    pending += decoder.decode(part, { stream: true })
    let newline = pending.indexOf('\n')
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim()
      pending = pending.slice(newline + 1)
      if (line !== '') yield JSON.parse(line) as T
      newline = pending.indexOf('\n')
    }
  }
}

/**
 * The body's parts; its connection breaking off (not the caller's abort through `signal`)
 * is a DaemonLostError: fetch says "terminated", node:http "aborted", neither of which
 * tells a user anything
 */
async function * lostIsSaid (body: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  try {
    yield * body
  } catch (err: any) {
    // node:http answers our own abort with "aborted" (ECONNRESET) too, not an AbortError
    if (err?.name === 'AbortError' || signal?.aborted === true) throw err
    throw lost(err)
  }
}
