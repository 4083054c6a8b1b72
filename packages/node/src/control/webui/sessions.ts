/**
 * Sessions of the web UI. `peershare webui` asks the daemon (with the api token) for a
 * login token: random, single use, valid LOGIN_TTL. The browser trades it at
 * `/webui/login` for a session id in an HttpOnly, SameSite=Strict cookie. Both live only
 * in this process (a restart logs every browser out) and both are bounded: the oldest
 * goes when a new one would pass the limit.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'

/** How long a login URL works (ms) */
export const LOGIN_TTL = 60_000
/** Login tokens not yet used, at most */
export const MAX_PENDING_LOGINS = 16
/** How long a browser session lasts from its login (ms) */
export const SESSION_TTL = 12 * 3600_000
/** Browser sessions at once, at most (a new login ends the oldest) */
export const MAX_SESSIONS = 16

export interface WebUiSessionsInit {
  /** @default Date.now */
  now?: () => number
}

export class WebUiSessions {
  private readonly logins = new Map<string, number>()
  private readonly sessions = new Map<string, number>()
  private readonly now: () => number

  constructor (init: WebUiSessionsInit = {}) {
    this.now = init.now ?? Date.now
  }

  /** A fresh one-time login token */
  mintLogin (): string {
    return remember(this.logins, this.now() + LOGIN_TTL, MAX_PENDING_LOGINS)
  }

  /** Trades a login token (used up, whatever the outcome) for a new session id; undefined when unknown or expired */
  redeem (token: string): string | undefined {
    const key = find(this.logins, token)
    if (key == null) return undefined
    const expires = this.logins.get(key) ?? 0
    this.logins.delete(key)
    if (expires <= this.now()) return undefined
    return remember(this.sessions, this.now() + SESSION_TTL, MAX_SESSIONS)
  }

  valid (sessionId: string): boolean {
    const key = find(this.sessions, sessionId)
    if (key == null) return false
    if ((this.sessions.get(key) ?? 0) > this.now()) return true
    this.sessions.delete(key)
    return false
  }

  end (sessionId: string): void {
    const key = find(this.sessions, sessionId)
    if (key != null) this.sessions.delete(key)
  }
}

/** Adds a random id expiring at `expires`, dropping the oldest entries over `max` (Maps keep insertion order) */
function remember (entries: Map<string, number>, expires: number, max: number): string {
  const id = randomBytes(32).toString('base64url')
  entries.set(id, expires)
  for (const oldest of entries.keys()) {
    if (entries.size <= max) break
    entries.delete(oldest)
  }
  return id
}

/** The stored id equal to `given`, compared in constant time */
function find (entries: Map<string, number>, given: string): string | undefined {
  const wanted = Buffer.from(given)
  for (const id of entries.keys()) {
    const candidate = Buffer.from(id)
    if (candidate.length === wanted.length && timingSafeEqual(candidate, wanted)) return id
  }
  return undefined
}
