import assert from 'node:assert/strict'
import { DEFAULTS, resolveConfig } from '../src/config.js'

describe('config', () => {
  it('resolves an empty init to exactly DEFAULTS plus the repo', () => {
    assert.deepEqual(resolveConfig({ repo: '/r' }), { ...DEFAULTS, repo: '/r' })
  })

  it('merges partial nested settings over the defaults', () => {
    const config = resolveConfig({ repo: '/r', exchange: { maxSessions: 3 }, muxer: { streamWindowBytes: 1024 } })
    assert.equal(config.exchange.maxSessions, 3)
    assert.equal(config.exchange.maxQueuedChunks, DEFAULTS.exchange.maxQueuedChunks)
    assert.equal(config.muxer.streamWindowBytes, 1024)
    assert.equal(config.muxer.maxReadBufferBytes, DEFAULTS.muxer.maxReadBufferBytes)
  })

  it('keeps the muxer read buffer above its window', () => {
    assert.ok(DEFAULTS.muxer.maxReadBufferBytes > DEFAULTS.muxer.streamWindowBytes)
  })
})
