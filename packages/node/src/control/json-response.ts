/** JSON answers of the control API (its own module, so route modules need not import the server) */
import type { ServerResponse } from 'node:http'

export function sendJson (res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
