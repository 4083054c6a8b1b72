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

export function connectEvents (): void {
  if (source != null) return
  source = new EventSource('/v1/events', { withCredentials: true })
  source.addEventListener('open', () => { stream.value = 'open' })
  // a refused stream (401 once the session ended, or the daemon restarted) is not retried
  source.addEventListener('error', () => { stream.value = source?.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting' })
  source.addEventListener('transfers', event => {
    const list = (parse(event) as { transfers: TransferProgress[] }).transfers
    transfers.value = new Map(list.map(p => [p.fileId, p]))
  })
  source.addEventListener('transfer', event => { setTransfer(parse(event) as TransferProgress) })
  source.addEventListener('files', () => { filesVersion.value++ })
}

/** Records a download's progress (from an event, or an answer to pause, resume or get) */
export function setTransfer (p: TransferProgress): void {
  const next = new Map(transfers.value)
  next.set(p.fileId, p)
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
