/**
 * The bound on probing (exchange/miss-limit.ts) when a peer's Wants arrive at once, as
 * they do on the streams of one connection: the lookups overlap, and each miss must be
 * counted against the bound before the next Want is let through.
 */
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { limitMisses } from '../src/exchange/miss-limit.js'
import type { ServableFiles } from '../src/exchange/servable.js'

const PEER = peerIdFromString('12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq')
const OTHER = peerIdFromString('12D3KooWSJYKJ6bthrAuFbMWD98y7H986Ph8KxWuTQqBa7NASyLe')

/** The node's files: `held` is found, anything else missed, each lookup taking a turn of the event loop as a datastore read does */
function files (held: string): ServableFiles {
  return {
    async find (wanted) {
      await new Promise(resolve => setImmediate(resolve))
      return 'fileId' in wanted && wanted.fileId === held ? ({ fileId: held } as any) : undefined
    }
  }
}

describe('the bound on probing, Wants at once', () => {
  it('thirty-two Wants of missing files at once get at most notFoundPerPeer misses; the rest are refused busy', async () => {
    const limited = limitMisses(files('held'), { notFoundPerPeer: 5, notFoundWindow: 60_000 })
    const answers = await Promise.allSettled(Array.from({ length: 32 }, async (_, i) => limited.find({ fileId: `missing-${i}` } as any, PEER)))
    const misses = answers.filter(a => a.status === 'fulfilled').length
    const busy = answers.filter(a => a.status === 'rejected' && (a.reason as any).failure === 'busy').length
    assert.deepEqual([misses, busy], [5, 27])
    // another peer has a bucket of its own
    assert.equal(await limited.find({ fileId: 'missing' } as any, OTHER), undefined)
  })

  it('a file found costs nothing: Wants for held files go on while the misses stay within the bound', async () => {
    const limited = limitMisses(files('held'), { notFoundPerPeer: 2, notFoundWindow: 60_000 })
    for (let i = 0; i < 10; i++) assert.ok(await limited.find({ fileId: 'held' } as any, PEER))
    assert.equal(await limited.find({ fileId: 'a' } as any, PEER), undefined)
    assert.equal(await limited.find({ fileId: 'b' } as any, PEER), undefined)
    await assert.rejects(limited.find({ fileId: 'c' } as any, PEER), (err: any) => err.failure === 'busy')
  })
})
