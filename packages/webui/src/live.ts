/**
 * Live state pushed by the daemon over server-sent events (`GET /v1/events`): every
 * download's latest progress, and a counter that moves when the local files change.
 * EventSource reconnects by itself when the stream breaks, not when it is refused.
 */
import { signal } from '@preact/signals'
import type { TransferProgress } from '@peershare/client'

export const transfers = signal<ReadonlyMap<string, TransferProgress>>(new Map())
/** Bumped on every `files` event: pages that list files reload on it */
export const filesVersion = signal(0)
/** The event stream: open; reconnecting (EventSource retries by itself); closed (refused: the session ended) */
export const stream = signal<'open' | 'reconnecting' | 'closed'>('reconnecting')

let source: EventSource | undefined
/** Events seen per download: an answer that crossed one in flight is older than it (answerTransfer) */
const eventsSeen = new Map<string, number>()

export function connectEvents (): void {
  if (source != null) return
  source = new EventSource('/v1/events', { withCredentials: true })
  source.addEventListener('open', () => { stream.value = 'open' })
  // a refused stream (401 once the session ended, or the daemon restarted) is not retried
  source.addEventListener('error', () => { stream.value = source?.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting' })
  source.addEventListener('transfers', event => {
    const list = (parse(event) as { transfers: TransferProgress[] }).transfers
    for (const p of list) seen(p.fileId)
    transfers.value = new Map(list.map(p => [p.fileId, p]))
  })
  source.addEventListener('transfer', event => {
    const p = parse(event) as TransferProgress
    seen(p.fileId)
    setTransfer(p)
  })
  source.addEventListener('files', () => { filesVersion.value++ })
}

/**
 * Records the answer to a request that changes a download (get, pause, resume), unless an
 * event about that download arrived while it was in flight. The daemon writes a change's
 * event before its answer, so such an event is as new as the answer or the answer's own
 * event is still coming; the answer applied after it would take the row back (a resume's
 * `running` over the `completed` that followed it, and no event would ever correct it).
 */
export async function answerTransfer (fileId: string, request: () => Promise<TransferProgress>): Promise<TransferProgress> {
  const before = eventsSeen.get(fileId) ?? 0
  const p = await request()
  if ((eventsSeen.get(fileId) ?? 0) === before) setTransfer(p)
  return p
}

function seen (fileId: string): void {
  eventsSeen.set(fileId, (eventsSeen.get(fileId) ?? 0) + 1)
}

/** Records a download's progress; a cancelled one leaves the list (in every tab, not only the one that cancelled it) */
function setTransfer (p: TransferProgress): void {
  const next = new Map(transfers.value)
  if (p.state === 'cancelled') next.delete(p.fileId)
  else next.set(p.fileId, p)
  transfers.value = next
}

export function forgetTransfer (fileId: string): void {
  const next = new Map(transfers.value)
  next.delete(fileId)
  transfers.value = next
}

function parse (event: Event): unknown {
  return JSON.parse((event as MessageEvent<string>).data)
}
