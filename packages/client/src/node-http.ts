/**
 * The control client's transport on Node.js: node:http instead of fetch. fetch (undici)
 * takes 40 to 80 ms to load on its first use, half of what a `peershare id` may cost
 * in all; node:http is loaded already. Node-only, like repo.ts.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { HttpResponse, HttpTransport } from './control-client.js'

export const nodeHttp: HttpTransport = async (url, { method, headers, body, signal }) => {
  return new Promise<HttpResponse>((resolve, reject) => {
    // agent: false, one connection per request: nothing keeps the process alive after it
    const req = httpRequest(url, { method, headers, signal, agent: false }, (res) => {
      const status = res.statusCode ?? 0
      resolve({ ok: status >= 200 && status < 300, status, body: res, json: async () => JSON.parse(await text(res)) })
    })
    req.once('error', reject)
    req.end(body)
  })
}

async function text (res: IncomingMessage): Promise<string> {
  let all = ''
  res.setEncoding('utf8')
  for await (const part of res) all += part
  return all
}
