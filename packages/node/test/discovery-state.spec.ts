/**
 * The small state of the discovery protocols: per-peer request rates (token buckets
 * on an injected clock, a bounded number of peers) and catalog cursors persisted on a
 * real LevelDatastore (read back after a reopen, bounded, a bad record set aside).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { CursorStore } from '../src/catalog/cursor-store.js'
import { PeerRate } from '../src/limits/peer-rate.js'
import { Quarantine } from '../src/records/index.js'
import { type TestDir, tempDir } from './fixtures.js'

describe('discovery state', () => {
  describe('per-peer request rate', () => {
    it('allows max at once, then refills at max per window, per peer', () => {
      let now = 0
      const rate = new PeerRate({ max: 10, window: 10_000, clock: { now: () => now } })
      const allowed = (peer: string, n: number): number => Array.from({ length: n }, () => rate.allow(peer)).filter(Boolean).length
      assert.equal(allowed('a', 12), 10)
      assert.equal(allowed('b', 3), 3)
      now += 1_000
      assert.equal(allowed('a', 3), 1)
      now += 60_000
      assert.equal(allowed('a', 12), 10)
    })

    it('remembers a bounded number of peers, forgetting the least recently seen', () => {
      const rate = new PeerRate({ max: 1, window: 3_600_000, maxPeers: 2, clock: { now: () => 0 } })
      assert.equal(rate.allow('a'), true)
      assert.equal(rate.allow('b'), true)
      assert.equal(rate.allow('a'), false)
      assert.equal(rate.allow('c'), true) // b is forgotten: a was seen after it
      assert.equal(rate.allow('a'), false)
      assert.equal(rate.allow('b'), true)
    })
  })

  describe('catalog cursors', () => {
    let dir: TestDir
    let ds: LevelDatastore
    const reopen = async (maxPeers = 10): Promise<{ store: CursorStore, quarantine: Quarantine }> => {
      await ds?.close()
      ds = new LevelDatastore(join(dir.path, 'datastore'))
      await ds.open()
      const quarantine = new Quarantine(ds, logger('test'))
      const store = new CursorStore(ds, quarantine, maxPeers)
      await store.load()
      return { store, quarantine }
    }
    beforeEach(async () => { dir = await tempDir() })
    afterEach(async () => {
      await ds.close()
      await dir.cleanup()
    })

    it('are read back after a reopen, with positions beyond 2^53', async () => {
      const { store } = await reopen()
      await store.put('peer-a', { epoch: 'e1', next: 2n ** 63n + 1n, pulledAt: 5 })
      const again = await reopen()
      assert.deepEqual(again.store.get('peer-a'), { epoch: 'e1', next: 2n ** 63n + 1n, pulledAt: 5 })
    })

    it('keep at most maxPeers, forgetting the one pulled longest ago', async () => {
      const { store } = await reopen(2)
      await store.put('a', { epoch: '', next: 1n, pulledAt: 10 })
      await store.put('b', { epoch: '', next: 1n, pulledAt: 5 })
      await store.put('c', { epoch: '', next: 1n, pulledAt: 20 })
      assert.equal(store.get('b'), undefined)
      const again = await reopen(2)
      assert.deepEqual([again.store.get('a')?.pulledAt, again.store.get('b'), again.store.get('c')?.pulledAt], [10, undefined, 20])
    })

    it('set a bad record aside and start that peer at 0', async () => {
      const { store } = await reopen()
      await store.put('good', { epoch: 'e', next: 7n, pulledAt: 1 })
      await ds.put(new Key('/peershare/catalog-cursors/bad'), uint8ArrayFromString(JSON.stringify({ epoch: 'e', next: '-3', pulledAt: 1 })))
      await ds.put(new Key('/peershare/catalog-cursors/junk'), uint8ArrayFromString('not json'))
      const again = await reopen()
      assert.equal(again.store.get('good')?.next, 7n)
      assert.equal(again.store.get('bad'), undefined)
      assert.equal(again.quarantine.count, 2)
    })
  })
})
