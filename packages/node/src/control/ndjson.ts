/** Streaming answers of the control API: newline-delimited JSON events */
import type { ServerResponse } from 'node:http'
import type { ApiError } from '@peershare/client'
import { toApiError } from './http-errors.js'

/**
 * An NDJSON response: `work` sends events; a failure becomes a final error event;
 * a client that hangs up aborts `work` through its signal.
 */
export async function streamNdjson<E> (res: ServerResponse, work: (send: (event: E) => void, signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController()
  res.on('close', () => { if (!res.writableFinished) controller.abort() })
  res.writeHead(200, { 'content-type': 'application/x-ndjson' })
  const send = (event: E | { type: 'error', error: ApiError }): void => { res.write(`${JSON.stringify(event)}\n`) }
  try {
    await work(send, controller.signal)
  } catch (err: any) {
    send({ type: 'error', error: toApiError(err) })
  }
  res.end()
}
