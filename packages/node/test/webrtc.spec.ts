import assert from 'node:assert/strict'
import { tempDir, type TestDir } from './fixtures.js'
import { webRTCDirectTransfer } from './webrtc-direct-run.js'

describe('transfer over WebRTC-direct (no TCP)', function () {
  // a run of at most 60 s, and once more if node-datachannel crashed it (webrtc-direct-run.ts)
  this.timeout(130_000)
  let dir: TestDir

  before(async () => { dir = await tempDir() })
  after(async () => { await dir.cleanup() })

  // the nodes run in a child process (webrtc-direct-run.ts): node-datachannel's crashes on cleanup took mocha down with them
  it('gets a small file byte-identically', async () => {
    const run = await webRTCDirectTransfer(dir.path)
    assert.ok(run.sharerAddresses.some(a => a.includes('/webrtc-direct/')), `sharer listens on WebRTC-direct: ${run.sharerAddresses.join(' ')}`)
    assert.ok(!run.sharerAddresses.some(a => a.includes('/tcp/')), 'no TCP listener')
    assert.equal(run.got, run.shared)
    assert.ok(run.connections.length > 0 && run.connections.every(a => a.includes('/webrtc-direct')), `the connection is WebRTC-direct: ${run.connections.join(' ')}`)
  })
})
