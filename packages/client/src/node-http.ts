/**
 * The control client's transport on Node.js: node:http instead of fetch. fetch (undici)
 * takes 40 to 80 ms to load on its first use, half of what a `peershare id` may cost
 * in all. Node-only, like repo.ts.
 */
import type { IncomingMessage } from 'node:http'
import type { HttpResponse, HttpTransport } from './control-client.js'

// not `import ... from 'node:http'`: the ES module view of node:http reads every export,
// and its WebSocket getters load undici, the very cost this module avoids
const http = process.getBuiltinModule('node:http')

export const nodeHttp: HttpTransport = async (url, { method, headers, body, signal }) => {
  return new Promise<HttpResponse>((resolve, reject) => {
    // agent: false, one connection per request: nothing keeps the process alive after it
    const req = http.request(url, { method, headers, signal, agent: false }, (res) => {
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
