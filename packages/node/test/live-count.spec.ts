import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { liveHolders } from '../src/replication/keeper/live-count.js'

const peer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('live count (providers + probe)', () => {
  it('a provider lookup that runs out of time still counts the providers found by then', async () => {
    const [a, b] = await Promise.all([peer(), peer()])
    const live = await liveHolders({
      // yields two providers, then waits for more until its own timeout
      findProviders: async function * (_fileId, signal) {
        yield a
        yield b
        await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
      },
      probe: async p => p.equals(a),
      self: 'me',
      lookupTimeout: 50,
      probeTimeout: 1_000,
      log: logger('peershare:test:live-count')
    }, 'file', new AbortController().signal)
    assert.deepEqual(live, { live: [a.toString()], unsure: [] }, 'the provider passing the probe is live; the one failing it is not')
  })

  it('a probe that runs out of time is unsure; one that fails at once is not live', async () => {
    const [a, b, c] = await Promise.all([peer(), peer(), peer()])
    const count = await liveHolders({
      findProviders: async function * () {},
      probe: async (p, _fileId, signal) => {
        if (p.equals(b)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
        if (p.equals(c)) await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
        return true
      },
      self: 'me',
      lookupTimeout: 1_000,
      probeTimeout: 50,
      log: logger('peershare:test:live-count')
    }, 'file', new AbortController().signal, [a, b, c])
    assert.deepEqual(count, { live: [a.toString()], unsure: [c.toString()] })
  })

  it('the caller aborting ends the count with an error', async () => {
    const controller = new AbortController()
    const counting = liveHolders({
      findProviders: async function * (_fileId, signal) {
        await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
      },
      probe: async () => true,
      self: 'me',
      lookupTimeout: 60_000,
      probeTimeout: 1_000,
      log: logger('peershare:test:live-count')
    }, 'file', controller.signal)
    controller.abort()
    await assert.rejects(counting)
  })
})
