/**
 * A client of a running node's control API, found through `<repo>/api.json`. The
 * CLI is a thin layer over this; so can any local script be.
 */
import { readFile } from 'node:fs/promises'
import { PeershareError } from '../errors.js'
import { repoPaths } from '../repo.js'
import type { ApiEndpoint, ApiError, BandwidthLimits, CollectionInfo, CollectionProgress, FileInfo, GetEvent, GetRequest, NodeInfo, NodeStatus, PeerEntry, ProvidersEvent, ProvidersRequest, ShareRequest, TransferProgress } from './api-types.js'

/** No daemon answers for this repo */
export class DaemonNotRunningError extends PeershareError {
  static override name = 'DaemonNotRunningError'
  override name = 'DaemonNotRunningError'
  override code = 'ERR_DAEMON_NOT_RUNNING'
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

/** A plain request (not a download's progress stream) that takes longer has a hung daemon behind it */
const JSON_TIMEOUT_MS = 120_000

export class ControlClient {
  constructor (private readonly endpoint: ApiEndpoint) {}

  /** The client for the daemon running on `repo`; throws DaemonNotRunningError if none */
  static async fromRepo (repo: string): Promise<ControlClient> {
    let endpoint: ApiEndpoint
    try {
      endpoint = JSON.parse(await readFile(repoPaths(repo).api, 'utf8')) as ApiEndpoint
    } catch {
      throw new DaemonNotRunningError(`No daemon running for repo ${repo} (start one with: peershare daemon)`)
    }
    return new ControlClient(endpoint)
  }

  async id (): Promise<NodeInfo> {
    return this.json('GET', '/v1/id')
  }

  async files (): Promise<FileInfo[]> {
    return (await this.json<{ files: FileInfo[] }>('GET', '/v1/files')).files
  }

  /** Shares a file, or a folder or several paths as a collection (the answer has a collectionId) */
  async share (request: ShareRequest): Promise<FileInfo | CollectionInfo> {
    return this.json('POST', '/v1/share', request)
  }

  async collections (): Promise<CollectionInfo[]> {
    return (await this.json<{ collections: CollectionInfo[] }>('GET', '/v1/files')).collections
  }

  async status (): Promise<NodeStatus> {
    return this.json('GET', '/v1/status')
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
    for await (const event of ndjson<ProvidersEvent>(res)) {
      if (event.type === 'error') throw new ControlApiError(event.error)
      if (event.type === 'provider') onProvider(event)
      else return event.count
    }
    throw new ControlApiError({ code: 'ERR_INTERNAL', message: 'The daemon ended the lookup without a result' })
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

  async cancel (fileId: string): Promise<void> {
    await this.json('POST', `/v1/transfers/${encodeURIComponent(fileId)}/cancel`, {})
  }

  async limits (): Promise<BandwidthLimits> {
    return this.json('GET', '/v1/limits')
  }

  async setLimits (limits: Partial<BandwidthLimits>): Promise<BandwidthLimits> {
    return this.json('POST', '/v1/limits', limits)
  }

  async remove (fileId: string): Promise<void> {
    await this.json('DELETE', `/v1/files/${encodeURIComponent(fileId)}`)
  }

  /** Runs a download, calling `onEvent` for each progress event; resolves with the done event */
  async get (request: GetRequest, onEvent: (event: GetEvent) => void = () => {}, signal?: AbortSignal): Promise<Extract<GetEvent, { type: 'done' }>> {
    const res = await this.request('POST', '/v1/get', request, signal)
    let done: Extract<GetEvent, { type: 'done' }> | undefined
    for await (const event of ndjson<GetEvent>(res)) {
      if (event.type === 'error') throw new ControlApiError(event.error)
      onEvent(event)
      if (event.type === 'done') done = event
    }
    if (done == null) throw new ControlApiError({ code: 'ERR_INTERNAL', message: 'The daemon ended the download without a result' })
    return done
  }

  private async json<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body, AbortSignal.timeout(JSON_TIMEOUT_MS))
    return await res.json() as T
  }

  private async request (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let res: Response
    try {
      res = await fetch(`${this.endpoint.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
        body: body == null ? undefined : JSON.stringify(body),
        signal
      })
    } catch (err: any) {
      if (signal?.aborted === true) throw err
      throw new DaemonNotRunningError(`No daemon answers at ${this.endpoint.url} (start one with: peershare daemon)`)
    }
    if (!res.ok) {
      const payload = await res.json().catch(() => undefined) as { error?: ApiError } | undefined
      throw new ControlApiError(payload?.error ?? { code: 'ERR_INTERNAL', message: `HTTP ${res.status}` })
    }
    return res
  }
}

async function * ndjson<T> (res: Response): AsyncGenerator<T> {
  if (res.body == null) return
  const decoder = new TextDecoder()
  let pending = ''
  for await (const part of res.body) {
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
