/** `GET /metrics`: the node's metrics in Prometheus text format (metrics/), behind the control API's token like every route */
import type { ServerResponse } from 'node:http'
import type { NodeMetrics } from '../metrics/index.js'
import { HttpError } from './http-errors.js'

export async function serveMetrics (metrics: NodeMetrics | undefined, res: ServerResponse): Promise<void> {
  if (metrics == null) throw new HttpError(404, 'ERR_NOT_FOUND', 'Metrics are off: set "metrics": { "enabled": true } in the repo\'s config.json')
  const { contentType, body } = await metrics.scrape()
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
