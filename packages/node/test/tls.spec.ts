import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createConnection, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateCertificate } from '@libp2p/tls/utils'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Connection } from '@libp2p/interface'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { TLS_PROTOCOL, lazyUpgrades, peershareNoise, peershareTls, retryRefusedDials } from '../src/transports/index.js'
import { sha256OfArrival } from './fixtures.js'
import { RefusingListener, TcpRelay } from './tcp-relays.js'

type Node = Awaited<ReturnType<typeof createLibp2p>>

const ECHO_PROTOCOL = '/test/echo/1'

interface Like {
  listen?: string[]
  inactivityTimeout?: number
  /** dial as to a public address: TLS proposed lazily, over the library's JavaScript path */
  asIfPublic?: boolean
  /** dial through circuit relays too */
  relayed?: boolean
}

/**
 * A node encrypting as peershare does: TLS then noise; dials to 127.0.0.1 wait for the
 * echo and run TLS on the socket, or (`asIfPublic`) propose lazily and are made again
 * once when refused
 */
async function peershareLike ({ listen = [], inactivityTimeout, asIfPublic = false, relayed = false }: Like = {}): Promise<Node> {
  const node = await createLibp2p({
    addresses: { listen },
    transports: [retryRefusedDials(tcp({ inboundSocketInactivityTimeout: inactivityTimeout })), ...(relayed ? [circuitRelayTransport()] : [])],
    connectionEncrypters: [peershareTls({ takeDialledSockets: !asIfPublic }), peershareNoise()],
    streamMuxers: [yamux()],
    // every dial comes from 127.0.0.1
    connectionManager: { inboundConnectionThreshold: 1000 },
    ...(relayed ? { services: { identify: identify() } } : {})
  })
  assert.equal(lazyUpgrades((node as unknown as { components: { upgrader: unknown } }).components.upgrader), true)
  return node
}

/** A node with noise alone, as many js-libp2p nodes (and browsers) are; `relay` serves as a circuit relay */
async function noiseOnly (listen: string[] = [], role: 'plain' | 'relay' | 'relayed' = 'plain'): Promise<Node> {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp(), ...(role === 'relayed' ? [circuitRelayTransport()] : [])],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...(role === 'relay' ? { relay: circuitRelayServer() } : {}) }
  })
}

async function echoing (node: Node): Promise<void> {
  await node.handle(ECHO_PROTOCOL, (stream) => {
    stream.addEventListener('message', (evt) => { stream.send(evt.data) })
    stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
  }, { runOnLimitedConnection: true })
}

/** Sends `data` on a new echo stream of `node` to `addr` and resolves with the SHA-256 of what came back */
async function echoed (node: Node, addr: Parameters<Node['dialProtocol']>[0], data: Uint8Array): Promise<string> {
  const stream = await node.dialProtocol(addr, ECHO_PROTOCOL, { runOnLimitedConnection: true })
  const back = sha256OfArrival(stream, data.byteLength)
  stream.send(data)
  const hash = await back
  await stream.close()
  return hash
}

function sha256 (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

function portOf (node: Node): number {
  return Number(/\/tcp\/(\d+)/.exec(node.getMultiaddrs()[0].toString())?.[1])
}

/** A TCP socket to `port` on which multistream-select has agreed on TLS: what comes next is the TLS handshake */
async function tlsProposed (port: number): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port })
  await once(socket, 'connect')
  const line = (text: string): Uint8Array => {
    const body = new TextEncoder().encode(`${text}\n`)
    return Uint8Array.from([body.byteLength, ...body])
  }
  const expected = Buffer.concat([line('/multistream/1.0.0'), line(TLS_PROTOCOL)])
  socket.write(expected)
  let answer = Buffer.alloc(0)
  while (answer.byteLength < expected.byteLength) {
    const [chunk] = await once(socket, 'data') as [Buffer]
    answer = Buffer.concat([answer, chunk])
  }
  assert.deepEqual(answer, expected, 'the listener agreed on TLS')
  socket.pause()
  return socket
}

interface Handshake { protocol?: string, reused?: boolean, session?: Buffer, error?: string }

/**
 * A TLS client's handshake with the listener at `port`, as a plain Node TLS socket: the
 * protocol and whether a session was resumed, the last session ticket the listener sent,
 * or the error's code. Ends the connection once the handshake is done; resolves once the
 * socket closed.
 */
async function tlsHandshake (port: number, options: ConnectionOptions): Promise<Handshake> {
  const socket = await tlsProposed(port)
  const result: Handshake = {}
  return new Promise<Handshake>(resolve => {
    const tls = tlsConnect({ ...options, socket, rejectUnauthorized: false, ALPNProtocols: ['libp2p'] }, () => {
      result.protocol = tls.getProtocol() ?? '?'
      result.reused = tls.isSessionReused()
      tls.end()
    })
    tls.on('session', (session: Buffer) => { result.session = session })
    tls.on('error', (err: Error & { code?: string }) => { result.error ??= err.code ?? err.message })
    tls.on('close', () => { resolve(result) })
  })
}

function encryptionOf (connections: Connection[]): string[] {
  return connections.map(c => c.encryption ?? '')
}

describe('TLS on TCP connections, noise where the peer lacks it (real TCP on 127.0.0.1)', function () {
  this.timeout(60_000)
  const nodes: Node[] = []

  async function started<T extends Node> (node: Promise<T>): Promise<T> {
    const n = await node
    nodes.push(n)
    return n
  }

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => n.stop()))
  })

  for (const asIfPublic of [false, true]) {
    const how = asIfPublic ? 'proposed lazily, as to a public address (the dialler\'s records through JavaScript)' : 'the dialler waiting for the echo on 127.0.0.1 (TLS on both sockets)'
    it(`two peershare nodes speak TLS and move 4 MiB intact both ways: ${how}`, async () => {
      const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
      await echoing(listener)
      const dialer = await started(peershareLike({ asIfPublic }))
      const data = randomBytes(4 * 1024 * 1024)
      assert.equal(await echoed(dialer, listener.getMultiaddrs()[0], data), sha256(data))
      assert.deepEqual(encryptionOf(dialer.getConnections(listener.peerId)), [TLS_PROTOCOL])
      assert.deepEqual(encryptionOf(listener.getConnections(dialer.peerId)), [TLS_PROTOCOL])
    })
  }

  it('a TLS connection closed by either side, even at once, ends without an error on both', async () => {
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
    const dialer = await started(peershareLike())
    const errors: string[] = []
    for (let round = 0; round < 10; round++) {
      const outbound = await dialer.dial(listener.getMultiaddrs()[0])
      while (listener.getConnections(dialer.peerId).length === 0) await new Promise(resolve => setTimeout(resolve, 10))
      const [inbound] = listener.getConnections(dialer.peerId)
      assert.deepEqual([outbound.encryption, inbound.encryption], [TLS_PROTOCOL, TLS_PROTOCOL])
      const closed = [outbound, inbound].map(async c => new Promise<void>(resolve => {
        c.addEventListener('close', (evt) => {
          const error = (evt as unknown as { error?: Error }).error
          if (error != null) errors.push(`${c.direction}: ${error.message}`)
          resolve()
        }, { once: true })
      }))
      await (round % 2 === 0 ? outbound : inbound).close()
      await Promise.all(closed)
    }
    assert.deepEqual(errors, [])
  })

  it('only TLS 1.3 is spoken: a client offering at most TLS 1.2 is refused, one offering 1.3 gets it', async () => {
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
    const tooOld = await tlsHandshake(portOf(listener), { maxVersion: 'TLSv1.2' })
    assert.equal(tooOld.error, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
    assert.equal((await tlsHandshake(portOf(listener), { maxVersion: 'TLSv1.3' })).protocol, 'TLSv1.3')
  })

  it('a TLS session is never resumed: a client offering the session of its last connection makes a full handshake, its certificate checked again', async () => {
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
    const certified = await generateCertificate(await generateKeyPair('Ed25519'))
    const first = await tlsHandshake(portOf(listener), certified)
    assert.equal(first.protocol, 'TLSv1.3')
    const again = await tlsHandshake(portOf(listener), { ...certified, session: first.session })
    assert.deepEqual([again.protocol, again.reused], ['TLSv1.3', false])
  })

  it('a certificate checked before still proves only its own peer: a dial expecting another is refused', async () => {
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
    const other = await started(peershareLike())
    const dialer = await started(peershareLike())
    await dialer.dial(listener.getMultiaddrs()[0])
    await dialer.hangUp(listener.peerId)
    const wrong = multiaddr(`/ip4/127.0.0.1/tcp/${portOf(listener)}/p2p/${other.peerId.toString()}`)
    await assert.rejects(dialer.dial(wrong, { signal: AbortSignal.timeout(30_000) }), (err: Error) => /expected peer|UnexpectedPeer/i.test(`${err.name} ${err.message}`))
    assert.equal(dialer.getConnections(listener.peerId).length, 0)
  })

  it('a peer with noise alone is reached with noise on the same connection when dialled nearby (the echo waited for)', async () => {
    const listener = await started(noiseOnly(['/ip4/127.0.0.1/tcp/0']))
    await echoing(listener)
    const relay = new TcpRelay(portOf(listener))
    try {
      const addr = multiaddr(`/ip4/127.0.0.1/tcp/${await relay.listen()}/p2p/${listener.peerId.toString()}`)
      const dialer = await started(peershareLike())
      const data = randomBytes(256 * 1024)
      assert.equal(await echoed(dialer, addr, data), sha256(data))
      assert.deepEqual(encryptionOf(dialer.getConnections(listener.peerId)), ['/noise'])
      assert.equal(relay.connections, 1)
    } finally {
      relay.close()
    }
  })

  it('a peer with noise alone, dialled lazily, is reached with noise after one refused connection, and the next dial proposes noise at once', async () => {
    const listener = await started(noiseOnly(['/ip4/127.0.0.1/tcp/0']))
    await echoing(listener)
    const relay = new TcpRelay(portOf(listener))
    try {
      const addr = multiaddr(`/ip4/127.0.0.1/tcp/${await relay.listen()}/p2p/${listener.peerId.toString()}`)
      const dialer = await started(peershareLike({ asIfPublic: true }))
      const data = randomBytes(256 * 1024)
      assert.equal(await echoed(dialer, addr, data), sha256(data))
      assert.deepEqual(encryptionOf(dialer.getConnections(listener.peerId)), ['/noise'])
      assert.equal(relay.connections, 2, 'the dial that proposed TLS was refused, the second proposed noise')
      await dialer.hangUp(listener.peerId)
      assert.equal(await echoed(dialer, addr, data), sha256(data))
      assert.equal(relay.connections, 3, 'the refusal is remembered: one connection for the next dial')
    } finally {
      relay.close()
    }
  })

  it('a listener that refuses both encrypters fails a lazy dial after two connections, each refusal told', async () => {
    const refuser = new RefusingListener()
    try {
      const port = await refuser.listen()
      const dialer = await started(peershareLike({ asIfPublic: true }))
      await assert.rejects(dialer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`), { signal: AbortSignal.timeout(30_000) }),
        (err: Error) => err.name === 'EncryptionFailedError' && /did not accept \/noise/.test(err.message))
      assert.equal(refuser.connections, 2)
    } finally {
      refuser.close()
    }
  })

  it('a peer with noise alone behind a circuit relay is reached at the first dial, with noise: TLS is offered on TCP connections only', async () => {
    const relay = await started(noiseOnly(['/ip4/127.0.0.1/tcp/0'], 'relay'))
    const relayAddr = relay.getMultiaddrs()[0].toString()
    const listener = await started(noiseOnly([`${relayAddr}/p2p-circuit`], 'relayed'))
    await echoing(listener)
    while (!listener.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))) await new Promise(resolve => setTimeout(resolve, 50))
    // as to a public address: a lazy TLS proposal over the relay would be refused, and no relayed dial is made again
    const dialer = await started(peershareLike({ asIfPublic: true, relayed: true }))
    const circuit = multiaddr(`${relayAddr}/p2p-circuit/p2p/${listener.peerId.toString()}`)
    // within the relay's data limit (128 KiB by default, both ways)
    const data = randomBytes(8 * 1024)
    assert.equal(await echoed(dialer, circuit, data), sha256(data))
    const relayed = dialer.getConnections(listener.peerId).filter(c => c.remoteAddr.toString().includes('/p2p-circuit'))
    assert.deepEqual(encryptionOf(relayed), ['/noise'])
  })

  it('a peer dialling with noise alone is accepted with noise', async () => {
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'] }))
    await echoing(listener)
    const dialer = await started(noiseOnly())
    const data = randomBytes(256 * 1024)
    assert.equal(await echoed(dialer, listener.getMultiaddrs()[0], data), sha256(data))
    assert.deepEqual(encryptionOf(listener.getConnections(dialer.peerId)), ['/noise'])
  })

  it('an accepted TLS connection busy past the TCP inactivity timeout stays open, and idle it is closed (Node refreshes the TCP socket\'s timer from the TLS socket on it)', async () => {
    const inactivityMs = 1000
    const listener = await started(peershareLike({ listen: ['/ip4/127.0.0.1/tcp/0'], inactivityTimeout: inactivityMs }))
    await echoing(listener)
    const dialer = await started(peershareLike())
    const stream = await dialer.dialProtocol(listener.getMultiaddrs()[0], ECHO_PROTOCOL)
    const [connection] = listener.getConnections(dialer.peerId)
    assert.equal(connection.encryption, TLS_PROTOCOL)
    // traffic every 100 ms for three timeouts' time
    const piece = randomBytes(1024)
    let echoedBytes = 0
    stream.addEventListener('message', (evt) => { echoedBytes += evt.data.byteLength })
    const until = Date.now() + 3 * inactivityMs
    while (Date.now() < until) {
      stream.send(piece)
      await new Promise(resolve => setTimeout(resolve, 100))
      assert.equal(connection.status, 'open')
    }
    assert.ok(echoedBytes > 0)
    await stream.close()
    // left idle, the connection is closed by the timer
    while (connection.status === 'open') await new Promise(resolve => setTimeout(resolve, 100))
  })
})
