/**
 * The daemon's side of browser peers, through the real program: daemons with their
 * defaults (only --no-mdns and loopback listen addresses) keep their WebRTC-direct
 * certhash across a restart, listen for WebSockets only when asked (`--ws-port`), give
 * the addresses a browser can dial (`GET /v1/browser-addresses`, `status`), and, as a
 * relay forced on, give reservations to clients that reach them over WebSockets or
 * WebRTC-direct, as a browser would. The clients are plain Node libp2p nodes with a
 * browser's transports (the browser tests are @peershare/browser's).
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import type { BrowserAddresses, NodeStatus } from '@peershare/client'
import { connectToRepo } from '@peershare/client/repo'
import { EXCHANGE_PROTOCOL } from '@peershare/protocol'
import { createLibp2p, type Libp2p } from 'libp2p'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, startDaemon, until } from './processes.js'

const WEBRTC_DIRECT = '/ip4/127.0.0.1/udp/0/webrtc-direct'
/** What the test's own libp2p client waits for identify and a reservation (libp2p's default is 5 s) */
const BUSY_MACHINE_MS = 30_000

describe('the daemon for browser peers (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  const clients: Libp2p[] = []

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'peershare-browser-daemon-')) })
  after(async () => {
    await Promise.allSettled(clients.map(async c => c.stop()))
    await killChildrenAndRemove(dir)
  })

  const stop = async (d: DaemonProcess): Promise<void> => {
    d.child.kill('SIGTERM')
    assert.equal((await d.exited).code, 0)
  }
  const browserRoute = async (d: DaemonProcess, token?: string): Promise<Response> => {
    const api = JSON.parse(await readFile(join(d.repo, 'api.json'), 'utf8')) as { url: string, token: string }
    return fetch(`${api.url}/v1/browser-addresses`, { headers: { authorization: `Bearer ${token ?? api.token}` } })
  }
  /**
   * A Node libp2p node with a browser's transports: it listens on nothing of its own.
   * The relay transport tries a relay once, when identify says it is one, and never again
   * while connected: its identify and its reservation get the time a busy machine needs
   * (libp2p's 5 s each timed out once in CI, and the client then waited in vain).
   */
  const browserLikeClient = async (transport: 'ws' | 'webrtc-direct'): Promise<Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>, ping: ReturnType<ReturnType<typeof ping>> }>> => {
    const client = await createLibp2p({
      addresses: { listen: ['/p2p-circuit'] },
      transports: [transport === 'ws' ? webSockets() : webRTCDirect(), circuitRelayTransport({ reservationCompletionTimeout: BUSY_MACHINE_MS })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify({ timeout: BUSY_MACHINE_MS }), ping: ping() }
    })
    clients.push(client)
    return client
  }

  it('keeps its WebRTC-direct certhash across a restart, and lists the address for browsers', async () => {
    const repo = join(dir, 'cert')
    const first = await startDaemon(repo, dir, ['--listen', WEBRTC_DIRECT])
    const certhashes = first.info.addresses.filter(a => a.includes('/webrtc-direct/')).map(certhashOf)
    assert.equal(certhashes.length, 1, first.info.addresses.join(' '))
    const [certhash] = certhashes

    const res = await browserRoute(first)
    assert.equal(res.status, 200)
    const listed = await res.json() as BrowserAddresses
    assert.equal(listed.peerId, first.info.peerId)
    assert.deepEqual(listed.addresses.map(a => [a.transport, a.scope, a.relayed]), [['webrtc-direct', 'loopback', false]])
    assert.equal(certhashOf(listed.addresses[0].address), certhash)
    assert.ok(listed.addresses[0].address.endsWith(`/p2p/${first.info.peerId}`))
    // the typed client method asks the same route
    assert.deepEqual(await (await connectToRepo(first.repo)).browserAddresses(), listed)
    // authenticated like every route: the token, or a web UI session's cookie from its own origin only
    assert.equal((await browserRoute(first, 'not-the-token')).status, 401)
    const api = JSON.parse(await readFile(join(first.repo, 'api.json'), 'utf8')) as { url: string, token: string }
    const login = await (await fetch(`${api.url}/v1/webui/login`, { method: 'POST', headers: { authorization: `Bearer ${api.token}` } })).json() as { url: string }
    const cookie = (await fetch(login.url, { redirect: 'manual' })).headers.get('set-cookie')?.split(';')[0]
    assert.ok(cookie != null, 'a session cookie')
    const byCookie = await fetch(`${api.url}/v1/browser-addresses`, { headers: { cookie } })
    assert.equal(byCookie.status, 200)
    assert.deepEqual(await byCookie.json(), listed)
    assert.equal((await fetch(`${api.url}/v1/browser-addresses`, { headers: { cookie, origin: 'http://evil.example' } })).status, 403)
    await stop(first)

    const second = await startDaemon(repo, dir, ['--listen', WEBRTC_DIRECT])
    const again = second.info.addresses.filter(a => a.includes('/webrtc-direct/')).map(certhashOf)
    assert.deepEqual(again, [certhash], 'the same certificate after the restart')
    const status = await cliJson(second, ['status'], dir) as NodeStatus
    assert.deepEqual(status.browser?.addresses.map(a => certhashOf(a.address)), [certhash])
    const human = await cli(['--repo', second.repo, 'status'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^browser addr {3}webrtc-direct +loopback +\/ip4\/127\.0\.0\.1\/udp\/\d+\/webrtc-direct\/certhash\//m)
    await stop(second)
  })

  it('listens for WebSockets only with --ws-port; a Node client over ws pings and identifies it', async () => {
    const plain = await startDaemon(join(dir, 'no-ws'), dir)
    assert.ok(!plain.info.addresses.some(a => a.includes('/ws')), `no WebSockets address by default: ${plain.info.addresses.join(' ')}`)
    assert.deepEqual((await (await browserRoute(plain)).json() as BrowserAddresses).addresses, [])
    const human = await cli(['--repo', plain.repo, 'status'], dir)
    assert.match(human.stdout, /^browser addr {3}none/m)
    await stop(plain)

    const daemon = await startDaemon(join(dir, 'ws'), dir, ['--ws-port', '0'])
    const wsAddress = daemon.info.addresses.find(a => /\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//.test(a))
    assert.ok(wsAddress != null, `a WebSockets address: ${daemon.info.addresses.join(' ')}`)
    const listed = await (await browserRoute(daemon)).json() as BrowserAddresses
    assert.deepEqual(listed.addresses, [{ address: wsAddress, transport: 'ws', scope: 'loopback', relayed: false }])

    const client = await browserLikeClient('ws')
    const rtt = await client.services.ping.ping(multiaddr(wsAddress))
    assert.ok(rtt >= 0)
    const daemonId = peerIdFromString(daemon.info.peerId)
    assert.ok(client.getConnections(daemonId).every(c => c.remoteAddr.toString().includes('/ws')), 'connected over WebSockets only')
    // identify told the client the daemon's protocols
    let protocols: string[] = []
    await until(() => {
      void client.peerStore.get(daemonId).then(p => { protocols = p.protocols }, () => {})
      return protocols.includes(EXCHANGE_PROTOCOL)
    }, 'identify to list the exchange protocol')
  })

  it('refuses a --ws-port another program holds, in one line naming the flag', async () => {
    const holder = createServer()
    await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    try {
      const result = await cli(['daemon', '--repo', join(dir, 'busy'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--ws-port', String(port)], dir)
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stderr, new RegExp(`^peershare: Port ${port}/tcp of /ip4/127\\.0\\.0\\.1/tcp/${port}/ws \\(WebSockets\\) is in use.*--ws-port ${port + 1}.*\n$`))
    } finally {
      await new Promise<void>(resolve => holder.close(() => resolve()))
    }
  })

  it('as a relay forced on, gives reservations to clients reaching it over WebSockets and over WebRTC-direct', async () => {
    const repo = join(dir, 'relay')
    await mkdir(repo, { recursive: true })
    // the caps stay the defaults but for room for exactly these two clients
    await writeFile(join(repo, 'config.json'), JSON.stringify({ relay: { maxReservations: 2 } }))
    const relay = await startDaemon(repo, dir, ['--listen', WEBRTC_DIRECT, '--ws-port', '0', '--relay-server', 'on'])
    const relayId = peerIdFromString(relay.info.peerId)
    for (const transport of ['ws', 'webrtc-direct'] as const) {
      const address = relay.info.addresses.find(a => a.includes(transport === 'ws' ? '/ws/' : '/webrtc-direct/'))
      assert.ok(address != null, `the relay listens on ${transport}: ${relay.info.addresses.join(' ')}`)
      const client = await browserLikeClient(transport)
      await client.dial(multiaddr(address))
      await until(() => client.getMultiaddrs().some(a => a.toString().includes(`/p2p/${relay.info.peerId}/p2p-circuit`)), `a reservation over ${transport}`, BUSY_MACHINE_MS + 15_000)
      assert.ok(client.getConnections(relayId).every(c => c.remoteAddr.toString().includes(transport === 'ws' ? '/ws' : '/webrtc-direct')), `connected over ${transport} only`)
    }
    const status = await cliJson(relay, ['status'], dir) as NodeStatus
    assert.equal(status.reachability?.relayServer.serving, true)
    assert.equal(status.reachability?.relayServer.reservations, 2)
    assert.equal(status.reachability?.relayServer.maxReservations, 2)
  })
})

function certhashOf (address: string): string {
  const match = /\/certhash\/([^/]+)/.exec(address)
  assert.ok(match != null, `a certhash in ${address}`)
  return match[1]
}

