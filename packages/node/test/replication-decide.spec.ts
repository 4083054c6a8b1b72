import assert from 'node:assert/strict'
import fc from 'fast-check'
import { chooseActor, type DecideInput, decide, type KnownHolder, subnetGroup } from '../src/replication/decide.js'
import { type Candidate, rankHolders } from '../src/replication/placement.js'

const settings = { lossGrace: 15 * 60_000, surplusGrace: 60 * 60_000 }
const NOW = 10_000_000
const peers = (n: number, from = 0): Candidate[] => Array.from({ length: n }, (_, i) => ({ peerId: `peer-${from + i}`, weight: 1 }))
const seen = (ids: string[], at = NOW): KnownHolder[] => ids.map(peerId => ({ peerId, firstSeen: at, lastSeen: at }))

function input (over: Partial<DecideInput>): DecideInput {
  return { fileId: 'file-a', policy: { min: 3, max: 5 }, ranked: rankHolders('file-a', peers(20)), holders: [], owner: 'owner', ownerLive: true, self: 'owner', now: NOW, settings, ...over }
}

describe('replication decisions (decide.ts)', () => {
  it('first placement asks the top min candidates and keeps the next as reserves', () => {
    const d = decide(input({}))
    const ranked = input({}).ranked.map(c => c.peerId)
    assert.deepEqual(d.recruit, ranked.slice(0, 3))
    assert.deepEqual(d.reserve, ranked.slice(3))
    assert.equal(d.actor, 'owner')
    assert.equal(d.state, 'under-replicated')
    assert.equal(d.why, 'recruiting')
  })

  it('recruits only what is missing, never the owner, a holder or a refuser', () => {
    const ranked = input({}).ranked.map(c => c.peerId)
    const d = decide(input({ holders: seen([ranked[0]]), refused: new Set([ranked[1]]), owner: ranked[2] }))
    assert.deepEqual(d.recruit, ranked.slice(3, 5))
    assert.ok(!d.reserve.includes(ranked[1]))
  })

  it('a holder inside lossGrace still counts (a restart moves nothing); past it, it is lost and replaced', () => {
    const ranked = input({}).ranked.map(c => c.peerId)
    const holders = seen(ranked.slice(0, 3))
    holders[0].lastSeen = NOW - settings.lossGrace + 1
    const within = decide(input({ holders }))
    assert.equal(within.live.length, 3)
    assert.deepEqual(within.recruit, [])
    assert.equal(within.state, 'ok')
    holders[0].lastSeen = NOW - settings.lossGrace
    const past = decide(input({ holders }))
    assert.deepEqual(past.lost, [ranked[0]])
    assert.deepEqual(past.recruit, [ranked[3]])
  })

  it('a swarm smaller than min keeps what it has and says why', () => {
    const small = decide(input({ ranked: rankHolders('file-a', peers(2)), holders: seen(['peer-0']) }))
    assert.deepEqual(small.recruit, ['peer-1'])
    assert.equal(small.why, 'too-few-candidates')
    assert.deepEqual(small.drop, [])
    const none = decide(input({ ranked: [] }))
    assert.equal(none.why, 'no-candidates')
    const refused = decide(input({ ranked: rankHolders('file-a', peers(1)), refused: new Set(['peer-0']) }))
    assert.equal(refused.why, 'refused')
  })

  it('drops the lowest-ranked extra holders (plain rendezvous order) only after surplusGrace above max', () => {
    const ranked = input({}).ranked.map(c => c.peerId)
    const holders = seen(ranked.slice(0, 7))
    const first = decide(input({ holders }))
    assert.equal(first.state, 'over')
    assert.deepEqual(first.drop, [])
    assert.equal(first.overSince, NOW)
    const later = NOW + settings.surplusGrace
    const still = seen(ranked.slice(0, 7), later)
    const after = decide(input({ holders: still, overSince: NOW, now: later }))
    assert.deepEqual(new Set(after.drop), new Set([ranked[5], ranked[6]]))
    const back = decide(input({ holders: still.slice(0, 5), overSince: NOW, now: later }))
    assert.equal(back.overSince, undefined)
    assert.deepEqual(back.drop, [])
  })

  it('every holder agrees on who drops, whatever weights it sees and whether it ranks itself', () => {
    fc.assert(fc.property(fc.string(), fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 6 }), (fileId, weights, self) => {
      const holders = seen(peers(7).map(c => c.peerId))
      const base = decide(input({ fileId, holders, overSince: NOW - settings.surplusGrace }))
      // another node: its own observed weights, and itself left out of the candidates it weighs
      const ranked = rankHolders(fileId, peers(20).map((c, i) => ({ ...c, weight: weights[i] })).filter(c => c.peerId !== `peer-${self}`))
      const other = decide(input({ fileId, holders, ranked, self: `peer-${self}`, overSince: NOW - settings.surplusGrace }))
      assert.equal(base.drop.length, 2)
      assert.deepEqual(other.drop, base.drop)
    }), { numRuns: 100 })
  })

  it('adding peers moves nothing while min..max hold (hysteresis)', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 30 }), (fileId, min, extra, joiners) => {
      const policy = { min, max: min + extra }
      const before = rankHolders(fileId, peers(20))
      const holders = seen(before.slice(0, min).map(c => c.peerId))
      const after = rankHolders(fileId, [...peers(20), ...peers(joiners, 100)])
      const d = decide(input({ fileId, policy, ranked: after, holders }))
      return d.recruit.length === 0 && d.drop.length === 0 && d.state === 'ok'
    }), { numRuns: 300 })
  })

  it('never recruits past max nor drops below max', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 12 }), (fileId, min, extra, held) => {
      const policy = { min, max: min + extra }
      const ranked = rankHolders(fileId, peers(15))
      const holders = seen(ranked.slice(0, held).map(c => c.peerId))
      const d = decide(input({ fileId, policy, ranked, holders, overSince: 0 }))
      return held + d.recruit.length <= Math.max(policy.max, held) && held - d.drop.length >= Math.min(held, policy.max) && (held <= policy.max || held - d.drop.length === policy.max)
    }), { numRuns: 300 })
  })

  it('every node with the same view picks the same single actor, the owner included while live', () => {
    fc.assert(fc.property(fc.string(), fc.shuffledSubarray(peers(10).map(c => c.peerId), { minLength: 1 }), (fileId, live) => {
      return chooseActor(fileId, live) === chooseActor(fileId, [...live].reverse()) && live.includes(chooseActor(fileId, live) as string)
    }))
    const ranked = input({}).ranked.map(c => c.peerId)
    const holders = seen(ranked.slice(0, 3))
    assert.equal(decide(input({ holders })).actor, 'owner')
    assert.equal(decide(input({ holders, ownerLive: false })).actor, chooseActor('file-a', ranked.slice(0, 3)))
    assert.equal(decide(input({ holders: [], ownerLive: false })).actor, undefined)
  })

  it('skips candidates in the subnet group of a holder', () => {
    const ranked = rankHolders('file-a', [{ peerId: 'a', weight: 1, group: 'g1' }, { peerId: 'b', weight: 1, group: 'g1' }, { peerId: 'c', weight: 1 }], { onePerGroup: false })
    const d = decide(input({ ranked, holders: seen(['a']) }))
    assert.deepEqual(d.recruit, ['c'])
  })

  it('groups IPv4 by /24 and IPv6 by /48, loopback and private exempt', () => {
    assert.equal(subnetGroup('8.8.8.8'), '8.8.8.0/24')
    assert.equal(subnetGroup('8.8.8.200'), subnetGroup('8.8.8.1'))
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) assert.equal(subnetGroup(ip), undefined, ip)
    assert.equal(subnetGroup('2001:db8:1:2::5'), '2001:db8:1::/48')
    assert.equal(subnetGroup('2001:db8:1:ffff::5'), subnetGroup('2001:db8:1::'))
    assert.equal(subnetGroup('::ffff:8.8.4.4'), '8.8.4.0/24')
    assert.equal(subnetGroup('not an ip'), undefined)
  })
})
