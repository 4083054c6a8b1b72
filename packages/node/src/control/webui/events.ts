/**
 * `GET /v1/events`: live updates as server-sent events, pushed from the node's own
 * events (no polling): `transfers` (all of them, on connect), `transfer` (one
 * download's progress, coalesced to one report per download every FLUSH_INTERVAL) and
 * `files` (the local files changed: a share, an upload, a removal, a finished download).
 * A client that does not read is dropped once MAX_BUFFERED_BYTES wait for it.
 */
import type { ServerResponse } from 'node:http'
import type { TransferProgress } from '@peershare/client'
import { HttpError } from '../http-errors.js'

/** Event streams open at once (browser tabs) */
export const MAX_EVENT_CLIENTS = 16
/** Bytes written to a client and not yet taken by it, before it is dropped */
export const MAX_BUFFERED_BYTES = 1024 * 1024
/** How often a client gets the latest progress of each download that moved (ms) */
export const FLUSH_INTERVAL = 250

export interface LiveEventSources {
  transfers: {
    list(): TransferProgress[]
    onProgress(listener: (p: TransferProgress) => void): () => void
  }
}

export class LiveEvents {
  private readonly clients = new Set<EventClient>()
  private unsubscribe: (() => void) | undefined

  /** `live(session)`: whether a session is still valid; a stream of one expired or pushed out ends at its next event */
  constructor (private readonly sources: LiveEventSources, private readonly live: (session: string) => boolean = () => true) {}

  /** Answers the request with an event stream that lasts until the client goes, or `session` (its login) ends */
  open (res: ServerResponse, session?: string): void {
    if (this.clients.size >= MAX_EVENT_CLIENTS) throw new HttpError(503, 'ERR_BUSY', `At most ${MAX_EVENT_CLIENTS} event streams at once`)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    const client = new EventClient(res, () => { this.leave(client) }, session)
    this.clients.add(client)
    res.on('close', () => { this.leave(client) })
    this.unsubscribe ??= this.sources.transfers.onProgress(p => { this.progress(p) })
    client.send('transfers', { transfers: this.sources.transfers.list() })
  }

  /** The local files changed: every client reloads its list */
  filesChanged (): void {
    for (const client of this.current()) client.send('files', {})
  }

  /** Ends every stream (the server stops) */
  close (): void {
    for (const client of [...this.clients]) client.drop()
  }

  /** Ends the streams of a session that logged out: another tab of it must not go on hearing of files and downloads */
  endSession (session: string): void {
    for (const client of [...this.clients]) if (client.session === session) client.drop()
  }

  private progress (p: TransferProgress): void {
    for (const client of this.current()) client.transfer(p)
    if (p.state === 'completed') this.filesChanged()
  }

  /** The clients whose session still holds; the others are dropped here */
  private current (): EventClient[] {
    const out: EventClient[] = []
    for (const client of [...this.clients]) {
      if (client.session == null || this.live(client.session)) out.push(client)
      else client.drop()
    }
    return out
  }

  private leave (client: EventClient): void {
    client.stopTimer()
    this.clients.delete(client)
    if (this.clients.size > 0) return
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}

class EventClient {
  private readonly pending = new Map<string, TransferProgress>()
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly res: ServerResponse, private readonly onDrop: () => void, readonly session?: string) {}

  transfer (p: TransferProgress): void {
    this.pending.set(p.fileId, p)
    // a state change goes at once; rate and bytes wait for the next flush
    if (p.state !== 'running') this.flush()
    else this.timer ??= setTimeout(() => { this.flush() }, FLUSH_INTERVAL)
  }

  send (event: string, data: unknown): void {
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.drop()
      return
    }
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  drop (): void {
    this.stopTimer()
    this.res.destroy()
    this.onDrop()
  }

  stopTimer (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private flush (): void {
    this.stopTimer()
    const reports = [...this.pending.values()]
    this.pending.clear()
    for (const p of reports) this.send('transfer', p)
  }
}
