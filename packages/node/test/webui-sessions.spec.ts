/** Web UI sessions: one-time login tokens that expire, sessions that expire, both bounded (fake clock) */
import assert from 'node:assert/strict'
import { LOGIN_TTL, MAX_PENDING_LOGINS, MAX_SESSIONS, SESSION_TTL, WebUiSessions } from '../src/control/webui/sessions.js'
import { FakeClock } from './fake-clock.js'

describe('web UI sessions', () => {
  let clock: FakeClock
  let sessions: WebUiSessions

  beforeEach(() => {
    clock = new FakeClock()
    sessions = new WebUiSessions({ now: () => clock.now() })
  })

  it('a login token gives one session, once', () => {
    const token = sessions.mintLogin()
    const session = sessions.redeem(token)
    assert.ok(session != null)
    assert.notEqual(session, token)
    assert.equal(sessions.valid(session), true)
    assert.equal(sessions.redeem(token), undefined)
    assert.equal(sessions.valid(token), false)
  })

  it('an expired login token gives nothing; a session ends after SESSION_TTL or when ended', () => {
    const late = sessions.mintLogin()
    clock.time += LOGIN_TTL
    assert.equal(sessions.redeem(late), undefined)
    const session = sessions.redeem(sessions.mintLogin()) ?? ''
    clock.time += SESSION_TTL - 1
    assert.equal(sessions.valid(session), true)
    clock.time += 1
    assert.equal(sessions.valid(session), false)
    const other = sessions.redeem(sessions.mintLogin()) ?? ''
    sessions.end(other)
    assert.equal(sessions.valid(other), false)
  })

  it('unknown or malformed ids are refused', () => {
    assert.equal(sessions.redeem(''), undefined)
    assert.equal(sessions.redeem('x'.repeat(43)), undefined)
    assert.equal(sessions.valid('nope'), false)
  })

  it('keeps at most MAX_PENDING_LOGINS tokens and MAX_SESSIONS sessions, dropping the oldest', () => {
    const tokens = Array.from({ length: MAX_PENDING_LOGINS + 1 }, () => sessions.mintLogin())
    assert.equal(sessions.redeem(tokens[0]), undefined)
    const made = [sessions.redeem(tokens[1]) ?? '']
    for (let i = 0; i < MAX_SESSIONS; i++) made.push(sessions.redeem(sessions.mintLogin()) ?? '')
    assert.equal(sessions.valid(made[0]), false)
    assert.deepEqual(made.slice(1).map(s => sessions.valid(s)), new Array(MAX_SESSIONS).fill(true))
  })
})
