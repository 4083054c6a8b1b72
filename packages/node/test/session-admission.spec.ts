import assert from 'node:assert/strict'
import { ABANDON_HALF_LIFE_MS, type Admission, type AdmissionLimits, SessionAdmission, type SessionEntry } from '../src/exchange/session-admission.js'

const LIMITS: AdmissionLimits = { maxSessions: 4, maxSessionsPerPeer: 3, idleEvictAfter: 1000, maxAbandoned: 3, abandonPenalty: 60_000, maxInvalid: 4, invalidPenalty: 300_000 }

function admitted (admission: Admission): SessionEntry {
  assert.ok('admitted' in admission, `refused: ${'refused' in admission ? admission.refused : ''}`)
  return admission.admitted
}

describe('session admission (policy, fake time)', () => {
  let now: number
  let policy: SessionAdmission
  beforeEach(() => {
    now = 0
    policy = new SessionAdmission(LIMITS, () => now)
  })

  it('at the total cap evicts the oldest idle session of the peer with the most idle sessions', () => {
    const a1 = admitted(policy.admit('a', () => {}))
    now = 10
    const a2 = admitted(policy.admit('a', () => {}))
    const b1 = admitted(policy.admit('b', () => {}))
    const c1 = admitted(policy.admit('c', () => {}))
    c1.busy = true
    // nobody idle long enough yet: refused
    assert.ok('refused' in policy.admit('d', () => {}))
    now = 2000
    const next = policy.admit('d', () => {})
    assert.ok('admitted' in next)
    assert.equal(next.evicted, a1)
    assert.equal(policy.size, 4)
    void a2
    void b1
  })

  it('never evicts a busy session; at the per-peer cap only the same peer gives way', () => {
    const sessions = [0, 1, 2].map(() => admitted(policy.admit('a', () => {})))
    for (const s of sessions) s.busy = true
    now = 5000
    assert.ok('refused' in policy.admit('a', () => {}))
    sessions[1].busy = false
    sessions[1].lastActive = 100
    const next = policy.admit('a', () => {})
    assert.ok('admitted' in next)
    assert.equal(next.evicted, sessions[1])
  })

  it('refuses a peer that abandons more than maxAbandoned sessions, forgives it after the penalty, and forgets faded peers', () => {
    // closed by the peer: not abandoned
    for (let i = 0; i < 6; i++) policy.end(admitted(policy.admit('a', () => {})))
    assert.ok('admitted' in policy.admit('a', () => {}))
    // the session that puts the peer over its limit says so (counted as a ban in metrics)
    const refusedNow = [0, 1, 2, 3].map(() => policy.end(admitted(policy.admit('a', () => {})), 'abandoned'))
    assert.deepEqual(refusedNow, [undefined, undefined, undefined, 'abandoned'])
    assert.ok('refused' in policy.admit('a', () => {}))
    const useful = admitted(policy.admit('b', () => {}))
    useful.useful = true
    policy.end(useful)
    now += LIMITS.abandonPenalty
    policy.end(admitted(policy.admit('a', () => {})), 'abandoned')
    // with time every count fades and the peer map empties
    now += 20 * ABANDON_HALF_LIFE_MS
    policy.end(admitted(policy.admit('c', () => {})), 'abandoned')
    assert.equal(policy.trackedPeers, 1)
  })

  it('refuses a peer over maxInvalid sessions ended by invalid messages for invalidPenalty, chunks served or not; the count fades', () => {
    const invalid = (peer: string, useful: boolean): ReturnType<SessionAdmission['end']> => {
      const entry = admitted(policy.admit(peer, () => {}))
      entry.useful = useful
      return policy.end(entry, 'invalid')
    }
    // spread over time within a half-life: the count fades a little, not enough
    const results = [true, false, true, false, true].map(useful => { now += 1000; return invalid('a', useful) })
    assert.deepEqual(results, [undefined, undefined, undefined, undefined, 'invalid'])
    const refused = policy.admit('a', () => {})
    assert.ok('refused' in refused && /invalid/.test(refused.refused), JSON.stringify(refused))
    // the abandon penalty's length is not enough
    now += LIMITS.abandonPenalty
    assert.ok('refused' in policy.admit('a', () => {}))
    now += LIMITS.invalidPenalty
    assert.ok('admitted' in policy.admit('a', () => {}))
    // another peer, slowly: three every five half-lives never adds up to a refusal
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) assert.equal(invalid('b', false), undefined)
      now += 5 * ABANDON_HALF_LIFE_MS
    }
    assert.ok('admitted' in policy.admit('b', () => {}))
  })
})
