import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type Candidate, candidateWeight, rankHolders, uniformFor } from '../src/replication/placement.js'

const peers = (n: number, weight = (_i: number) => 1): Candidate[] => Array.from({ length: n }, (_, i) => ({ peerId: `peer-${i}`, weight: weight(i) }))
const files = (n: number): string[] => Array.from({ length: n }, (_, i) => `file-${i}`)
const top = (fileId: string, candidates: Candidate[], r: number): string[] => rankHolders(fileId, candidates).slice(0, r).map(c => c.peerId)

describe('replica placement (weighted rendezvous hashing)', () => {
  it('ranks the same way whatever order the candidates come in', () => {
    fc.assert(fc.property(fc.string(), fc.shuffledSubarray(peers(40), { minLength: 1 }), (fileId, subset) => {
      const reversed = [...subset].reverse()
      assert.deepEqual(top(fileId, subset, 5), top(fileId, reversed, 5))
    }), { numRuns: 200 })
  })

  it('draws u in (0, 1)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (f, p) => {
      const u = uniformFor(f, p)
      return u > 0 && u < 1
    }))
  })

  it('leaves weight-0 peers out and keeps one per group', () => {
    const candidates: Candidate[] = [
      { peerId: 'a', weight: 0 }, { peerId: 'b', weight: 1, group: '10.0.0' }, { peerId: 'c', weight: 1, group: '10.0.0' }, { peerId: 'd', weight: 1 }
    ]
    for (const fileId of files(50)) {
      const ranked = rankHolders(fileId, candidates, { onePerGroup: true }).map(c => c.peerId)
      assert.ok(!ranked.includes('a'))
      assert.equal(ranked.filter(p => p === 'b' || p === 'c').length, 1)
      assert.ok(ranked.includes('d'))
    }
  })

  it('gives weight-4 peers about four times the files of weight-1 peers', () => {
    const candidates = peers(100, i => (i < 20 ? 4 : 1))
    const held = new Map<string, number>()
    for (const fileId of files(4000)) for (const p of top(fileId, candidates, 3)) held.set(p, (held.get(p) ?? 0) + 1)
    const mean = (ids: Candidate[]): number => ids.reduce((s, c) => s + (held.get(c.peerId) ?? 0), 0) / ids.length
    const ratio = mean(candidates.slice(0, 20)) / mean(candidates.slice(20))
    assert.ok(ratio > 3 && ratio < 5, `weight-4 peers hold ${ratio.toFixed(2)}x`)
  })

  it('moves only the files a leaving peer held, and only to one new peer each', () => {
    const candidates = peers(20)
    const gone = 'peer-7'
    const rest = candidates.filter(c => c.peerId !== gone)
    for (const fileId of files(2000)) {
      const before = top(fileId, candidates, 3)
      const after = top(fileId, rest, 3)
      const added = after.filter(p => !before.includes(p))
      if (before.includes(gone)) assert.equal(added.length, 1)
      else assert.deepEqual(after, before)
    }
  })

  it('moves a file to a joining peer only when the joiner enters its top ranks', () => {
    const candidates = peers(20)
    const joined = [...candidates, ...peers(30).slice(20)]
    for (const fileId of files(2000)) {
      const before = top(fileId, candidates, 3)
      const after = top(fileId, joined, 3)
      const kept = after.filter(p => before.includes(p))
      const newcomers = after.filter(p => !before.includes(p))
      assert.ok(newcomers.every(p => Number(p.slice(5)) >= 20))
      assert.equal(kept.length + newcomers.length, 3)
    }
  })

  it('weighs room, uptime, load and contacts', () => {
    const base = { freeBytes: 100, size: 10, uptime: 1, load: 0, contact: false }
    assert.equal(candidateWeight(base), 1)
    assert.equal(candidateWeight({ ...base, freeBytes: 9 }), 0)
    assert.equal(candidateWeight({ ...base, refuses: true }), 0)
    assert.equal(candidateWeight({ ...base, freeBytes: 50 }), 0.5)
    assert.equal(candidateWeight({ ...base, uptime: 0 }), 0.05)
    assert.equal(candidateWeight({ ...base, load: 0.5 }), 0.5)
    assert.equal(candidateWeight({ ...base, contact: true }), 1.5)
  })
})
