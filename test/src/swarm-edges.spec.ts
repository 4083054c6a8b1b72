/**
 * The swarm's edges through the real program: addresses that name no peer, an address
 * that does not answer for a peer already connected elsewhere, ports another program
 * holds (TCP, the WebRTC-direct UDP port, a second daemon with the same settings), and
 * `providers` that finds nobody, a daemon whose only bootstrap peer is down.
 */
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertHumanFailure, cli, cliJson, closedPort, type DaemonProcess, jsonError, killChildrenAndRemove, type Result, start, startDaemon, tcpAddress, until } from './processes.js'

/** A port free for both TCP and UDP on 127.0.0.1 */
async function freePort (): Promise<number> {
  for (;;) {
    const port = await closedPort()
    const socket = createSocket('udp4')
    const free = await new Promise<boolean>(resolve => {
      socket.once('error', () => { resolve(false) })
      socket.bind(port, '127.0.0.1', () => { resolve(true) })
    })
    await new Promise<void>(resolve => { socket.close(() => { resolve() }) })
    if (free) return port
  }
}

/** Holds a TCP port on 127.0.0.1 until closed */
async function holdTcp (port: number): Promise<Server> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  return server
}

/** The listen flags of a daemon on one port for TCP and WebRTC-direct (UDP), as a user would pick them */
function listenOn (port: number): string[] {
  return ['--listen', `/ip4/127.0.0.1/tcp/${port}`, '--listen', `/ip4/127.0.0.1/udp/${port}/webrtc-direct`]
}

/** A failed --json command: exit 1, nothing on stdout, one error line on stderr; returns its error */
function jsonFailure (result: Result, exitCode = 1): { code: string, message: string } {
  assert.equal(result.code, exitCode, result.stderr)
  assert.equal(result.stdout, '')
  return jsonError(result)
}

describe('swarm edges end to end (real processes)', function () {
  this.timeout(60_000)
  let dir: string
  let a: DaemonProcess
  let b: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-edges-e2e-'))
    a = await startDaemon(join(dir, 'a'), dir)
    b = await startDaemon(join(dir, 'b'), dir, ['--bootstrap', tcpAddress(a)])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  describe('addresses without /p2p/<peer id>', () => {
    it('--bootstrap without a peer id is a usage error (exit 2), nothing starts', async () => {
      const addr = tcpAddress(a).replace(/\/p2p\/.*$/, '')
      const result = await cli(['daemon', '--repo', join(dir, 'no-peer-flag'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--json', '--bootstrap', addr], dir)
      assert.equal(jsonFailure(result, 2).code, 'ERR_USAGE')
    })

    it('a bootstrap entry in config.json without a peer id fails with ERR_CONFIG naming it', async () => {
      const repo = join(dir, 'no-peer-config')
      const addr = tcpAddress(a).replace(/\/p2p\/.*$/, '')
      await mkdir(repo, { recursive: true })
      await writeFile(join(repo, 'config.json'), JSON.stringify({ bootstrap: [addr] }))
      const result = await cli(['daemon', '--repo', repo, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--json'], dir)
      const error = jsonFailure(result)
      assert.equal(error.code, 'ERR_CONFIG')
      assert.ok(error.message.includes(addr), error.message)
      const human = await cli(['daemon', '--repo', repo, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], dir)
      assertHumanFailure(human)
    })

    it('swarm connect without a peer id works fully: it dials the address and names the peer that answered', async () => {
      const c = await startDaemon(join(dir, 'c'), dir)
      const addr = tcpAddress(a).replace(/\/p2p\/.*$/, '')
      const result = await cliJson(c, ['swarm', 'connect', addr], dir)
      assert.equal(result.peerId, a.info.peerId)
      const peers = await cliJson(c, ['peers'], dir)
      assert.ok(peers.some((p: any) => p.peerId === a.info.peerId))
    })
  })

  it('swarm connect to an address that does not answer fails, though that peer is connected by another', async () => {
    // B dials its bootstrap peer A about a second after start
    let peers: any[] = []
    for (let i = 0; i < 100 && !peers.some(p => p.peerId === a.info.peerId); i++) peers = await cliJson(b, ['peers'], dir)
    assert.ok(peers.some(p => p.peerId === a.info.peerId), 'B is connected to A through bootstrap')
    const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${a.info.peerId}`
    const result = await cli(['--repo', b.repo, '--json', 'swarm', 'connect', dead], dir)
    assert.equal(jsonFailure(result).code, 'ERR_PEER_UNREACHABLE')
    const human = await cli(['--repo', b.repo, 'swarm', 'connect', dead], dir)
    assertHumanFailure(human)
  })

  describe('ports in use', () => {
    it('a TCP port held by another program: one line naming it and the fix (a port free now, not merely the next), exit 1', async () => {
      const port = await freePort()
      const holder = await holdTcp(port)
      // the next port taken too, as the next daemon of a walk-through holds it (already taken by someone else: as good)
      const next = await holdTcp(port + 1).catch(() => undefined)
      try {
        const result = await cli(['daemon', '--repo', join(dir, 'tcp-busy'), ...listenOn(port), '--no-mdns', '--json'], dir)
        const error = jsonFailure(result)
        assert.equal(error.code, 'ERR_PORT_IN_USE')
        assert.ok(error.message.includes(`${port}/tcp`), error.message)
        const suggested = Number(error.message.match(/--listen \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/)?.[1])
        assert.ok(suggested > port + 1, `suggests a port past the two taken: ${error.message}`)
        assert.ok(error.message.includes(`--listen /ip4/127.0.0.1/udp/${suggested}/webrtc-direct`), error.message)
        const human = await cli(['daemon', '--repo', join(dir, 'tcp-busy'), ...listenOn(port), '--no-mdns'], dir)
        assertHumanFailure(human)
      } finally {
        holder.close()
        next?.close()
      }
    })

    it('the control API port held by another program: one line naming it and a free one, exit 1 (it was a raw EADDRINUSE as ERR_INTERNAL)', async () => {
      const port = await freePort()
      const holder = await holdTcp(port)
      try {
        const result = await cli(['daemon', '--repo', join(dir, 'api-busy'), ...listenOn(0), '--api-port', String(port), '--no-mdns', '--json'], dir)
        const error = jsonFailure(result)
        assert.equal(error.code, 'ERR_PORT_IN_USE')
        assert.ok(error.message.includes(`API port ${port}`), error.message)
        assert.ok(Number(error.message.match(/--api-port (\d+)/)?.[1]) > port, error.message)
        assertHumanFailure(await cli(['daemon', '--repo', join(dir, 'api-busy'), ...listenOn(0), '--api-port', String(port), '--no-mdns'], dir))
      } finally {
        holder.close()
      }
    })

    it('the WebRTC-direct UDP port held by another program: one line naming it, no native output', async () => {
      const port = await freePort()
      const holder = createSocket('udp4')
      await new Promise<void>(resolve => { holder.bind(port, '127.0.0.1', resolve) })
      try {
        const result = await cli(['daemon', '--repo', join(dir, 'udp-busy'), ...listenOn(port), '--no-mdns', '--json'], dir)
        const error = jsonFailure(result)
        assert.equal(error.code, 'ERR_PORT_IN_USE')
        assert.ok(error.message.includes(`${port}/udp`), error.message)
        const human = await cli(['daemon', '--repo', join(dir, 'udp-busy'), ...listenOn(port), '--no-mdns'], dir)
        assertHumanFailure(human)
      } finally {
        holder.close()
      }
    })

    it('a second daemon with the same listen settings and another repo says how to pick other ports', async () => {
      const port = await freePort()
      await startDaemon(join(dir, 'first'), dir, listenOn(port))
      const result = await cli(['daemon', '--repo', join(dir, 'second'), ...listenOn(port), '--no-mdns'], dir)
      assertHumanFailure(result)
      assert.ok(result.stderr.includes(`--listen /ip4/127.0.0.1/tcp/${port + 1} --listen /ip4/127.0.0.1/udp/${port + 1}/webrtc-direct`), result.stderr)
      assert.ok(result.stderr.includes(join(dir, 'second', 'config.json')), result.stderr)
    })
  })

  it('a daemon whose only bootstrap peer is down says so (its output, status, a stalled get) until a peer connects', async function () {
    // a bound, not a target: a daemon's start, a rejoin round, a stall and a look after the peer connects, on a busy machine
    this.timeout(300_000)
    // a's peer id at a port nobody listens on: a bootstrap peer that moved or is down
    const port = await closedPort()
    const dead = `/ip4/127.0.0.1/tcp/${port}/p2p/${a.info.peerId}`
    const repo = join(dir, 'alone')
    const alone = start(['daemon', '--repo', repo, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--bootstrap', dead], dir)
    await until(() => alone.stdout().includes('Connected to no peer'), 'the daemon to say it reached no peer', 60_000)
    const notice = alone.stdout().split('\n').find(l => l.startsWith('Connected to no peer')) ?? ''
    assert.ok(notice.startsWith(`Connected to no peer: bootstrap ${dead} failed (`), notice)
    assert.match(notice, /ECONNREFUSED.*\); 0 remembered peer\(s\); mDNS off; trying again every 10 s\.$/)

    const status = await cli(['--repo', repo, '--json', 'status'], dir)
    assert.equal(status.code, 0, status.stderr)
    const isolated = JSON.parse(status.stdout).isolated
    assert.equal(isolated.bootstrap[0].address, dead)
    assert.match(isolated.bootstrap[0].error, /ECONNREFUSED/)
    const human = await cli(['--repo', repo, 'status'], dir)
    assert.match(human.stdout, new RegExp(`\\n {2}no peer {6}bootstrap ${dead} failed \\(`))

    await writeFile(join(dir, 'alone.txt'), 'found once a peer connects')
    const shared = await cliJson(a, ['share', join(dir, 'alone.txt')], dir)
    const out = join(dir, 'alone-out.txt')
    // a get with no terminal attached (as from a script) says why it waits, on stderr
    const getting = start(['--repo', repo, 'get', shared.fileId, '-o', out], dir)
    await until(() => getting.stderr().includes('Stalled: connected to no peer'), 'the get to say it is stalled with no peer', 30_000)
    const download = async (): Promise<any> => JSON.parse((await cli(['--repo', repo, '--json', 'transfers'], dir)).stdout).find((t: any) => t.fileId === shared.fileId)
    assert.equal((await download())?.stallReason, 'no-peers')

    const joined = await cli(['--repo', repo, 'swarm', 'connect', tcpAddress(a)], dir)
    assert.equal(joined.code, 0, joined.stderr)
    await until(() => alone.stdout().includes('Connected to a peer again.'), 'the daemon to say it has a peer', 30_000)
    let ended: Awaited<typeof getting.exited> | undefined
    void getting.exited.then(result => { ended = result })
    await until(() => ended != null, 'the get to end', 120_000).catch((err: Error) => { throw new Error(`${err.message}; its stderr: ${getting.stderr()}`) })
    assert.equal(ended?.code, 0, getting.stderr())
    assert.match(getting.stdout(), /^Saved alone\.txt /)
    assert.equal(await readFile(out, 'utf8'), 'found once a peer connects')
    assert.equal(JSON.parse((await cli(['--repo', repo, '--json', 'status'], dir)).stdout).isolated, undefined)
  })

  it('providers that finds nobody exits 1 with ERR_FILE_NOT_FOUND and one line', async () => {
    const nobody = 'cd'.repeat(32)
    const result = await cli(['--repo', b.repo, '--json', 'providers', nobody, '--timeout', '3'], dir)
    assert.equal(jsonFailure(result).code, 'ERR_FILE_NOT_FOUND')
    const human = await cli(['--repo', b.repo, 'providers', nobody, '--timeout', '3'], dir)
    assertHumanFailure(human)
    // how long it looked: to its time limit, or less when it asked every peer it reached
    assert.match(human.stderr, /within 3 s|asked every peer it reached, in \d+ ms|asked every peer it reached, in [\d.]+ s/)
  })
})

