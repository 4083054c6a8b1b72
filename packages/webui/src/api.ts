/**
 * The control API from the browser: same origin, authenticated by the session cookie
 * (the browser sends it; the page never sees it). Errors keep the API's stable code.
 */
import type { ApiError, SearchEvent, SearchRequest } from '@peershare/client'

export class RequestError extends Error {
  static override name = 'RequestError'
  override name = 'RequestError'
  constructor (readonly status: number, readonly code: string, message: string) { super(message) }
}

export async function api<T> (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await reach(path, {
    method,
    credentials: 'same-origin',
    headers: body == null ? {} : { 'content-type': 'application/json' },
    body: body == null ? undefined : JSON.stringify(body)
  })
  return answer<T>(res)
}

/** fetch, whose own failure (nothing answered at all: "Failed to fetch") is said in words */
async function reach (path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch (err) {
    if (init.signal?.aborted === true) throw err
    throw new RequestError(0, 'ERR_DAEMON_NOT_ANSWERING', 'The daemon does not answer (stopped?): start it again, then reload this page')
  }
}

/** Sends a file's bytes to share it with `options` (a ShareRequest without paths) */
export async function upload<T> (file: File, options: Record<string, unknown>): Promise<T> {
  const query = new URLSearchParams({ name: file.name, options: JSON.stringify(options) })
  const res = await reach(`/v1/upload?${query.toString()}`, { method: 'POST', credentials: 'same-origin', body: file })
  return answer<T>(res)
}

/** Runs a search, calling `onEvent` with each NDJSON event as it arrives */
export async function search (request: SearchRequest, onEvent: (event: SearchEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await reach('/v1/search', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request), signal })
  if (!res.ok || res.body == null) await answer(res)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onEvent(JSON.parse(line) as SearchEvent)
  }
}

async function answer<T> (res: Response): Promise<T> {
  const value = await res.json().catch(() => undefined) as { error?: ApiError } | undefined
  if (!res.ok) {
    const error = value?.error
    throw new RequestError(res.status, error?.code ?? 'ERR_HTTP', error?.message ?? `HTTP ${res.status}`)
  }
  return value as T
}
