import assert from 'node:assert/strict'
import type { DaemonInit } from '@peershare/node'
import { type DaemonContext, type RunningDaemon, daemon } from '../src/commands/daemon.js'
import { NODE_INFO, PEER_ADDR, PEER_ID, capture } from './fakes.js'

interface FakeDaemon {
  ctx: DaemonContext
  lines: string[]
  started: DaemonInit[]
  stopped: () => boolean
  /** delivers the stop signal */
  signal: (name: string) => void
}

function fakeDaemon (running = false): FakeDaemon {
  const out = capture()
  const started: DaemonInit[] = []
  let stopped = false
  let signal: (name: string) => void = () => {}
  const node: RunningDaemon = {
    peerId: PEER_ID,
    addresses: [PEER_ADDR],
    api: 'http://127.0.0.1:5001',
    stop: async () => { stopped = true }
  }
  return {
    lines: out.lines,
    started,
    stopped: () => stopped,
    signal: (name) => { signal(name) },
    ctx: {
      print: out.print,
      findRunning: async () => running ? NODE_INFO : undefined,
      start: async (init) => {
        started.push(init)
        return node
      },
      stopSignal: new Promise(resolve => { signal = resolve })
    }
  }
}

describe('daemon command', () => {
  it('starts with the options given, prints one JSON line with --json, stops on the signal', async () => {
    const fake = fakeDaemon()
    const running = daemon({ repo: '/r', listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 5001, json: true }, fake.ctx)
    // the signal arrives while the daemon may still be starting: it must stop all the same
    fake.signal('SIGTERM')
    await running
    assert.deepEqual(fake.started, [{ repo: '/r', listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 5001, bootstrap: undefined, dhtMode: undefined, mdns: undefined }])
    assert.equal(fake.lines.length, 1)
    assert.deepEqual(JSON.parse(fake.lines[0]), { peerId: PEER_ID, addresses: [PEER_ADDR], api: 'http://127.0.0.1:5001' })
    assert.equal(fake.stopped(), true)
  })

  it('prints peer id, addresses and control API for a person, and that it stops', async () => {
    const fake = fakeDaemon()
    const running = daemon({ repo: '/r' }, fake.ctx)
    fake.signal('SIGINT')
    await running
    assert.equal(fake.started[0].listen, undefined, 'node defaults when no --listen')
    assert.ok(fake.lines.includes(`peer id       ${PEER_ID}`))
    assert.ok(fake.lines.includes(`listening on  ${PEER_ADDR}`))
    assert.ok(fake.lines.includes('control API   http://127.0.0.1:5001'))
    assert.equal(fake.lines.at(-1), 'Received SIGINT, stopping')
  })

  it('refuses with DaemonRunningError when a daemon already answers for the repo', async () => {
    const fake = fakeDaemon(true)
    await assert.rejects(daemon({ repo: '/r' }, fake.ctx), { name: 'DaemonRunningError', code: 'ERR_DAEMON_RUNNING' })
    assert.deepEqual(fake.started, [])
  })
})
