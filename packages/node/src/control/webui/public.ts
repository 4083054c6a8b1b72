/**
 * What the web UI answers without a credential (its bundled files from
 * packages/webui/dist, no CDN; the browser peer's page at /peer/ from
 * packages/browser/dist; the login that turns a one-time token into a session
 * cookie), the session cookie itself, and the Origin check that keeps other web origins
 * out. See doc/SECURITY.md.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpError } from '../http-errors.js'
import type { WebUiSessions } from './sessions.js'
import { LOGIN_TTL, SESSION_TTL } from './sessions.js'

/** The UI's files: path served -> file in packages/webui/dist and its type */
const ASSETS: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8']
}

/** The browser peer's page: path served -> file in packages/browser/dist and its type */
const PEER_ASSETS: Record<string, [string, string]> = {
  '/peer/': ['peer.html', 'text/html; charset=utf-8'],
  '/peer/peer.js': ['peer.js', 'text/javascript; charset=utf-8'],
  '/peer/peer.css': ['peer.css', 'text/css; charset=utf-8']
}

/** Headers of every UI answer: only this origin's scripts, no framing, no referrer (the login URL holds a token) */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

/**
 * The browser peer's page may also open WebSockets to daemons (other origins); its
 * WebRTC connections are outside CSP. The page gets no session and sends no credential.
 */
const PEER_PAGE_HEADERS = {
  ...PAGE_HEADERS,
  'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
}

/** The cookie's name carries the port: browsers send cookies to every port of a host, and two daemons must not clash */
export function sessionCookieName (port: number): string {
  return `peershare_session_${port}`
}

/** Answers requests that need no credential: the UI's files and the login; false for anything else */
export async function handleWebUiPublic (sessions: WebUiSessions, port: number, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET') return false
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname === '/webui/login') {
    login(sessions, port, url, res)
    return true
  }
  if (url.pathname === '/peer') {
    res.writeHead(308, { ...PAGE_HEADERS, location: '/peer/' })
    res.end()
    return true
  }
  const peerAsset = PEER_ASSETS[url.pathname]
  if (peerAsset != null) {
    await sendAsset(res, '@peershare/browser', peerAsset, PEER_PAGE_HEADERS)
    return true
  }
  const asset = ASSETS[url.pathname]
  if (asset == null) return false
  await sendAsset(res, '@peershare/webui', asset, PAGE_HEADERS)
  return true
}

async function sendAsset (res: ServerResponse, pkg: string, [name, type]: [string, string], headers: Record<string, string>): Promise<void> {
  const body = await readAsset(pkg, name)
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': body.byteLength })
  res.end(body)
}

/** The answer to a login link used up, expired or made up */
const LOGIN_REFUSED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>peershare: this login link does not work</title></head>
<body><h1>This login link is used up or expired</h1>
<p>A link from <code>peershare webui</code> logs in once, within ${LOGIN_TTL / 1000} seconds. Run <code>peershare webui</code> on the daemon's machine for a new one.</p></body></html>
`

/** Trades a login token for a session cookie and sends the browser to the UI */
function login (sessions: WebUiSessions, port: number, url: URL, res: ServerResponse): void {
  const session = sessions.redeem(url.searchParams.get('token') ?? '')
  if (session == null) {
    // a person opened it in a browser: a page, not the API's JSON error
    res.writeHead(401, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' })
    res.end(LOGIN_REFUSED_PAGE)
    return
  }
  const cookie = `${sessionCookieName(port)}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL / 1000}`
  res.writeHead(303, { ...PAGE_HEADERS, 'set-cookie': cookie, location: '/' })
  res.end()
}

/** A Set-Cookie value that makes the browser forget its session (logging out) */
export function expiredCookie (port: number): string {
  return `${sessionCookieName(port)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
}

/** The session id the request's cookie carries, if any */
export function sessionOf (req: IncomingMessage, port: number): string | undefined {
  const name = sessionCookieName(port)
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === name && value != null) return value
  }
  return undefined
}

/**
 * Refuses a request from another web origin: any request whose Origin is not this
 * server's, and a state-changing request authenticated by cookie without an Origin
 * (browsers send one on every POST and DELETE)
 */
export function checkOrigin (req: IncomingMessage, port: number, byCookie: boolean): void {
  const origin = req.headers.origin
  const ours = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
  if (origin != null && !ours) throw new HttpError(403, 'ERR_FORBIDDEN', 'Requests from other web origins are refused')
  const safe = req.method === 'GET' || req.method === 'HEAD'
  if (byCookie && !safe && origin == null) throw new HttpError(403, 'ERR_FORBIDDEN', 'A browser request that changes state must carry its Origin')
}

/** A file of a workspace package's dist (@peershare/webui or @peershare/browser) */
async function readAsset (pkg: string, name: string): Promise<Buffer> {
  try {
    const dist = join(dirname(fileURLToPath(import.meta.resolve(`${pkg}/package.json`))), 'dist')
    return await readFile(join(dist, name))
  } catch {
    throw new HttpError(404, 'ERR_NOT_FOUND', `The page is not built or not installed (${pkg}): run \`npm run build\``)
  }
}
