import assert from 'node:assert/strict'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { DEFAULTS, defaultRepoPath, resolveConfig } from '../src/config.js'

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

  it('waits for sources at most a minute apart while stalled, and refuses a cap that cannot work', () => {
    assert.equal(DEFAULTS.transfer.stallRetryMax, 60_000)
    assert.equal(resolveConfig({ repo: '/r', transfer: { stallRetryMax: 5000 } }).transfer.stallRetryMax, 5000)
    assert.throws(() => resolveConfig({ repo: '/r', transfer: { stallRetryMax: 0 } }), { name: 'ConfigError' })
  })

  it('keeps the muxer read buffer above its window', () => {
    assert.ok(DEFAULTS.muxer.maxReadBufferBytes > DEFAULTS.muxer.streamWindowBytes)
  })

  it('takes the repo from PEERSHARE_REPO, else ~/.peershare', () => {
    assert.equal(defaultRepoPath({ PEERSHARE_REPO: '/x' }), '/x')
    assert.equal(defaultRepoPath({}), join(homedir(), '.peershare'))
  })
})
