import assert from 'node:assert/strict'
import type { DaemonInit } from '@peershare/node'
import { type DaemonContext, type RunningDaemon, daemon } from '../src/commands/daemon.js'
import { NODE_INFO, PEER_ADDR, PEER_ID, capture, progressEvent } from './fakes.js'

interface FakeDaemon {
  ctx: DaemonContext
  lines: string[]
  started: DaemonInit[]
  stopped: () => boolean
  /** delivers the stop signal */
  signal: (name: string) => void
}

function fakeDaemon (running = false, downloads: RunningDaemon['downloads'] = [], quarantined = 0): FakeDaemon {
  const out = capture()
  const started: DaemonInit[] = []
  let stopped = false
  let signal: (name: string) => void = () => {}
  const node: RunningDaemon = {
    peerId: PEER_ID,
    addresses: [PEER_ADDR],
    api: 'http://127.0.0.1:5001',
    downloads,
    quarantined,
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
  it('says how many damaged records were set aside at start (human line, JSON field)', async () => {
    const human = fakeDaemon(false, [], 2)
    const running = daemon({ repo: '/r' }, human.ctx)
    human.signal('SIGTERM')
    await running
    assert.ok(human.lines.some(l => /^set aside +2 damaged records/.test(l)), human.lines.join('\n'))
    const json = fakeDaemon(false, [], 2)
    const runningJson = daemon({ repo: '/r', json: true }, json.ctx)
    json.signal('SIGTERM')
    await runningJson
    assert.equal(JSON.parse(json.lines[0]).quarantined, 2)
  })

  it('stops the node when printing its start fails', async () => {
    const fake = fakeDaemon()
    const failing = { ...fake.ctx, print: () => { throw new Error('stdout gone') } }
    await assert.rejects(daemon({ repo: '/r', json: true }, failing), /stdout gone/)
    assert.equal(fake.stopped(), true)
  })

  it('starts with the options given, prints one JSON line with --json, stops on the signal', async () => {
    const fake = fakeDaemon()
    const running = daemon({ repo: '/r', listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 5001, json: true }, fake.ctx)
    // the signal arrives while the daemon may still be starting: it must stop all the same
    fake.signal('SIGTERM')
    await running
    assert.deepEqual(fake.started, [{ repo: '/r', listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 5001, bootstrap: undefined, dhtMode: undefined, mdns: undefined }])
    assert.equal(fake.lines.length, 1)
    assert.deepEqual(JSON.parse(fake.lines[0]), { peerId: PEER_ID, addresses: [PEER_ADDR], api: 'http://127.0.0.1:5001', downloads: [] })
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

  it('prints the downloads it resumes: one line each, or a field of the JSON line', async () => {
    const half = progressEvent(1024, 4096)
    const resumed = [{ ...half, name: 'a.bin', output: '/d/a.bin' }, { ...half, name: 'b.bin', output: '/d/b.bin', state: 'paused' as const }]
    const human = fakeDaemon(false, resumed)
    const running = daemon({ repo: '/r' }, human.ctx)
    human.signal('SIGINT')
    await running
    assert.ok(human.lines.includes('resuming      a.bin (25%) to /d/a.bin'), human.lines.join('\n'))
    assert.ok(human.lines.includes('paused        b.bin (25%) to /d/b.bin'))
    const json = fakeDaemon(false, resumed)
    const runningJson = daemon({ repo: '/r', json: true }, json.ctx)
    json.signal('SIGINT')
    await runningJson
    assert.equal(json.lines.length, 1)
    assert.deepEqual(JSON.parse(json.lines[0]).downloads.map((d: any) => [d.name, d.state, d.bytesDone]), [['a.bin', 'running', 1024], ['b.bin', 'paused', 1024]])
  })

  it('refuses with DaemonRunningError when a daemon already answers for the repo', async () => {
    const fake = fakeDaemon(true)
    await assert.rejects(daemon({ repo: '/r' }, fake.ctx), { name: 'DaemonRunningError', code: 'ERR_DAEMON_RUNNING' })
    assert.deepEqual(fake.started, [])
  })
})
