import assert from 'node:assert/strict'
import { DaemonNotRunningError, VERSION } from '@peershare/client'
import type { DaemonInit } from '@peershare/node'
import { type ProgramDeps, run } from '../src/program.js'
import { FILE_ID, PEER_ADDR, PEER_ID, capture, fakeClient, type FakeClient, type FakeClientInit } from './fakes.js'

interface Harness {
  deps: ProgramDeps
  stdout: string[]
  stderr: string[]
  connected: string[]
  started: DaemonInit[]
  client: FakeClient
}

function harness (init: FakeClientInit & { connectError?: Error, env?: NodeJS.ProcessEnv } = {}): Harness {
  const stdout = capture()
  const stderr = capture()
  const connected: string[] = []
  const started: DaemonInit[] = []
  const client = fakeClient(init)
  return {
    stdout: stdout.lines,
    stderr: stderr.lines,
    connected,
    started,
    client,
    deps: {
      print: stdout.print,
      printError: stderr.print,
      connect: async (repo) => {
        connected.push(repo)
        if (init.connectError != null) throw init.connectError
        return client
      },
      findRunning: async () => undefined,
      startDaemon: async (daemonInit) => {
        started.push(daemonInit)
        return { peerId: PEER_ID, addresses: [PEER_ADDR], api: 'http://127.0.0.1:1', downloads: [], stop: async () => {} }
      },
      stopSignal: async () => 'SIGTERM',
      cwd: '/home/u/docs',
      env: { PEERSHARE_REPO: '/env/repo' }
    }
  }
}

describe('program', () => {
  it('--version prints the version', async () => {
    const h = harness()
    assert.equal(await run(['--version'], h.deps), 0)
    assert.deepEqual(h.stdout, [VERSION])
  })

  it('--help lists every command; each command has its own --help', async () => {
    const h = harness()
    assert.equal(await run(['--help'], h.deps), 0)
    const help = h.stdout.join('\n')
    for (const command of ['daemon', 'id', 'share', 'ls', 'get']) {
      assert.match(help, new RegExp(`^ {2}${command} `, 'm'))
      const sub = harness()
      assert.equal(await run([command, '--help'], sub.deps), 0)
      assert.match(sub.stdout.join('\n'), new RegExp(`^Usage: peershare ${command} `))
    }
    assert.deepEqual(h.stderr, [])
  })

  it('shows help and exits 2 without a command', async () => {
    const h = harness()
    assert.equal(await run([], h.deps), 2)
    assert.match(h.stderr.join('\n'), /^Usage: peershare/)
  })

  it('reports usage errors on one line with exit code 2', async () => {
    for (const argv of [['get'], ['daemon', '--dht-mode', 'sometimes'], ['providers', FILE_ID, '--timeout', '-1'], ['share'], ['lss'], ['ls', '--bogus'], ['daemon', '--api-port', 'http'], ['share', 'x.bin', '--category', 'movies']]) {
      const h = harness()
      assert.equal(await run(argv, h.deps), 2, argv.join(' '))
      assert.equal(h.stderr.length, 1)
      assert.match(h.stderr[0], /^peershare: \S/)
      assert.deepEqual(h.connected, [])
    }
  })

  it('reports usage errors as JSON with --json', async () => {
    const h = harness()
    assert.equal(await run(['--json', 'get'], h.deps), 2)
    assert.equal(JSON.parse(h.stderr[0]).error.code, 'ERR_USAGE')
  })

  it('takes the repo from PEERSHARE_REPO, or --repo before or after the command (relative to cwd)', async () => {
    const h = harness()
    await run(['ls'], h.deps)
    await run(['--repo', 'here', 'ls'], h.deps)
    await run(['ls', '--repo', '/abs', '--json'], h.deps)
    assert.deepEqual(h.connected, ['/env/repo', '/home/u/docs/here', '/abs'])
    assert.doesNotThrow(() => JSON.parse(h.stdout.at(-1) ?? ''), 'the last ls printed JSON')
  })

  it('passes daemon options through, --listen repeatable', async () => {
    const h = harness()
    const code = await run(['daemon', '--repo', '/r', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/udp/0/webrtc-direct', '--api-port', '5001', '--json'], h.deps)
    assert.equal(code, 0)
    assert.deepEqual(h.started, [{ repo: '/r', listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/webrtc-direct'], apiPort: 5001, bootstrap: undefined, dhtMode: undefined, mdns: undefined }])
  })

  it('passes bootstrap peers, DHT mode and --no-mdns to the daemon', async () => {
    const h = harness()
    const code = await run(['daemon', '--repo', '/r', '--bootstrap', PEER_ADDR, '--bootstrap', PEER_ADDR.replace('4001', '4002'), '--dht-mode', 'server', '--no-mdns', '--json'], h.deps)
    assert.equal(code, 0)
    assert.deepEqual(h.started[0].bootstrap, [PEER_ADDR, PEER_ADDR.replace('4001', '4002')])
    assert.equal(h.started[0].dhtMode, 'server')
    assert.equal(h.started[0].mdns, false)
    assert.equal(JSON.parse(h.stdout[0]).peerId, PEER_ID)
  })

  it('passes --no-compression to the daemon as exchange.compression false, and nothing without it', async () => {
    const h = harness()
    assert.equal(await run(['daemon', '--repo', '/r', '--no-compression', '--json'], h.deps), 0)
    assert.deepEqual(h.started[0].exchange, { compression: false })
    const plain = harness()
    assert.equal(await run(['daemon', '--repo', '/r', '--json'], plain.deps), 0)
    assert.equal(plain.started[0].exchange, undefined)
  })

  it('passes share and get options through', async () => {
    const h = harness()
    assert.equal(await run(['share', 'a.txt', '--tag', 'x', '--tag', 'y', '--description', 'd'], h.deps), 1, 'a.txt does not exist')
    assert.equal(h.client.calls.length, 0)
    assert.equal(await run(['get', FILE_ID, '--peer', PEER_ADDR, '-o', 'out.bin'], h.deps), 0)
    assert.deepEqual(h.client.calls[0].request, { ref: FILE_ID, peer: PEER_ADDR, output: 'out.bin', cwd: '/home/u/docs' })
  })

  it('maps "no daemon" to one line and exit code 1, with its code in --json mode', async () => {
    const h = harness({ connectError: new DaemonNotRunningError('No daemon running for repo /env/repo (start one with: peershare daemon)') })
    assert.equal(await run(['id'], h.deps), 1)
    assert.deepEqual(h.stderr, ['peershare: No daemon running for repo /env/repo (start one with: peershare daemon)'])
    assert.equal(await run(['id', '--json'], h.deps), 1)
    assert.equal(JSON.parse(h.stderr[1]).error.code, 'ERR_DAEMON_NOT_RUNNING')
    assert.deepEqual(h.stdout, [])
  })

  it('checks a file id before looking for a daemon', async () => {
    const h = harness({ connectError: new DaemonNotRunningError('none') })
    assert.equal(await run(['get', 'nope', '--peer', PEER_ADDR, '--json'], h.deps), 1)
    assert.equal(JSON.parse(h.stderr[0]).error.code, 'ERR_INVALID_FILE_ID')
    assert.deepEqual(h.connected, [])
  })

  it('keeps the code of an API error (unreachable peer) and reports unexpected errors as ERR_INTERNAL', async () => {
    const unreachable = harness({ error: Object.assign(new Error('Cannot reach peer'), { code: 'ERR_PEER_UNREACHABLE' }) })
    assert.equal(await run(['get', FILE_ID, '--peer', PEER_ADDR, '--json'], unreachable.deps), 1)
    assert.equal(JSON.parse(unreachable.stderr[0]).error.code, 'ERR_PEER_UNREACHABLE')
    const broken = harness({ error: new TypeError('x is undefined') })
    assert.equal(await run(['ls', '--json'], broken.deps), 1)
    assert.deepEqual(JSON.parse(broken.stderr[0]), { error: { code: 'ERR_INTERNAL', message: 'x is undefined' } })
  })
})
