/**
 * Connections kept alive by yamux ping frames (transports/keep-alive.ts): real libp2p
 * nodes on 127.0.0.1, dialling through a TCP relay that counts what crosses it and can
 * go silent (a peer that vanished without closing its sockets).
 */
import assert from 'node:assert/strict'
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { Connection, Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { PeershareNode } from '../src/index.js'
import { keepAliveMuxer } from '../src/transports/index.js'
import { LOOPBACK_TCP, type TestDir, startTestNode, tempDir, until } from './fixtures.js'
import { TcpRelay } from './tcp-relays.js'

/**
 * A relay that passes bytes until `silence()`, then drops them both ways and keeps every
 * socket open, whatever either side does: each side must find the silence by itself
 */
class SilencingRelay {
  /** socket writes that passed from the listener to the dialler */
  listenerWrites = 0
  private silent = false
  private readonly sockets: Socket[] = []
  private readonly server: Server

  constructor (target: number) {
    this.server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1')
      this.sockets.push(client, upstream)
      client.on('data', (data: Buffer) => { if (!this.silent) upstream.write(data) })
      upstream.on('data', (data: Buffer) => {
        if (this.silent) return
        this.listenerWrites++
        client.write(data)
      })
      // before the silence a close passes on, as a network would carry it; after it, nothing does
      client.on('close', () => { if (!this.silent) upstream.destroy() })
      upstream.on('close', () => { if (!this.silent) client.destroy() })
      client.on('error', () => {})
      upstream.on('error', () => {})
    })
  }

  async listen (): Promise<number> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return (this.server.address() as AddressInfo).port
  }

  silence (): void {
    this.silent = true
  }

  close (): void {
    for (const socket of this.sockets) socket.destroy()
    this.server.close()
  }
}

/** pings 100 ms apart; 5 s for an answer, so that a busy machine's stalls do not cut connections meant to stay */
const FAST = { intervalMs: 100, timeoutMs: 5000 }
const MiB = 1024 * 1024

/** A libp2p node with nothing but TCP, noise and yamux kept alive by `keepAliveMuxer`: no service sends anything */
async function bareNode (keepAlive = FAST): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: LOOPBACK_TCP },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [() => keepAliveMuxer(yamux({ enableKeepAlive: false })(), keepAlive)],
    connectionMonitor: { enabled: false }
  })
  await node.start()
  return node
}

/** The TCP port of a multiaddr */
function portOf (addr: { toString(): string }): number {
  return Number(/\/tcp\/(\d+)/.exec(addr.toString())?.[1])
}

describe('keep-alive: connections pinged by yamux frames (real nodes on 127.0.0.1)', function () {
  this.timeout(60_000)
  const stops: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    const failures: unknown[] = []
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop()
      } catch (err) {
        failures.push(err)
      }
    }
    if (failures.length > 0) throw failures[0]
  })

  async function relayed (target: number): Promise<{ relay: SilencingRelay, port: number }> {
    const relay = new SilencingRelay(target)
    stops.push(() => { relay.close() })
    return { relay, port: await relay.listen() }
  }

  /** Two bare nodes, the dialler connected to the listener through a SilencingRelay */
  async function connectedThroughRelay (): Promise<{ listener: Libp2p, dialler: Libp2p, relay: SilencingRelay, connection: Connection }> {
    const listener = await bareNode()
    const dialler = await bareNode()
    stops.push(async () => { await dialler.stop() }, async () => { await listener.stop() })
    const { relay, port } = await relayed(portOf(listener.getMultiaddrs()[0]))
    const connection = await dialler.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${listener.peerId.toString()}`))
    return { listener, dialler, relay, connection }
  }

  it('keeps an idle connection open with ping frames alone: no stream is opened for them', async () => {
    const { listener, dialler, relay, connection } = await connectedThroughRelay()
    const before = relay.listenerWrites
    // nothing else runs on these nodes: what the listener sends now answers, or makes, pings
    await until(() => relay.listenerWrites >= before + 6, 30_000, 'six writes of pings and answers')
    assert.equal(connection.status, 'open')
    assert.equal(dialler.getConnections(listener.peerId).length, 1)
    assert.equal(listener.getConnections(dialler.peerId).length, 1)
    assert.equal(connection.streams.length, 0)
    assert.equal(listener.getConnections(dialler.peerId)[0].streams.length, 0)
  })

  it('aborts a connection whose peer stops answering, on both sides, each by its own keep-alive', async () => {
    const { listener, dialler, relay, connection } = await connectedThroughRelay()
    await until(() => listener.getConnections(dialler.peerId).length === 1, 10_000, 'the listener\'s side of the connection')
    const errors = new Map<string, string | undefined>()
    for (const [side, conn] of [['dialler', connection], ['listener', listener.getConnections(dialler.peerId)[0]]] as const) {
      conn.addEventListener('close', (evt) => { errors.set(side, (evt as Event & { error?: Error }).error?.name) }, { once: true })
    }
    relay.silence()
    await until(() => errors.size === 2, 30_000, 'both sides to drop the silent connection')
    assert.deepEqual(Object.fromEntries(errors), { dialler: 'KeepAliveTimeoutError', listener: 'KeepAliveTimeoutError' })
    assert.equal(dialler.getConnections(listener.peerId).length, 0)
    assert.equal(listener.getConnections(dialler.peerId).length, 0)
  })

  it('pings as the connection opens: yamux grows a stream\'s window only once it knows the round trip', async () => {
    // the next ping a minute later: only the first can measure the round trip here
    const listener = await bareNode({ intervalMs: 60_000, timeoutMs: 15_000 })
    const dialler = await bareNode({ intervalMs: 60_000, timeoutMs: 15_000 })
    stops.push(async () => { await dialler.stop() }, async () => { await listener.stop() })
    // 20 ms each way, in order: a round trip yamux can measure
    const relay = new TcpRelay(portOf(listener.getMultiaddrs()[0]), (client, upstream) => {
      client.on('data', (data: Buffer) => { setTimeout(() => upstream.write(data), 20) })
      upstream.on('data', (data: Buffer) => { setTimeout(() => client.write(data), 20) })
    })
    stops.push(() => { relay.close() })
    const port = await relay.listen()
    // the largest receive window a stream of this process granted
    let largest = 0
    const sendWindowUpdate = YamuxStream.prototype.sendWindowUpdate
    YamuxStream.prototype.sendWindowUpdate = function (this: YamuxStream): void {
      sendWindowUpdate.call(this)
      largest = Math.max(largest, (this as unknown as { recvWindow: number }).recvWindow)
    }
    stops.push(() => { YamuxStream.prototype.sendWindowUpdate = sendWindowUpdate })
    const total = 8 * MiB
    const received = Promise.withResolvers<void>()
    await listener.handle('/test/bulk/1', (stream) => {
      let bytes = 0
      stream.addEventListener('message', (evt) => {
        bytes += evt.data.byteLength
        if (bytes >= total) received.resolve()
      })
    })
    const stream = await dialler.dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${listener.peerId.toString()}`), '/test/bulk/1')
    const piece = new Uint8Array(64 * 1024)
    for (let sent = 0; sent < total; sent += piece.byteLength) {
      if (!stream.send(piece)) await new Promise(resolve => { stream.addEventListener('drain', resolve, { once: true }) })
    }
    await received.promise
    assert.ok(largest > 256 * 1024, `the largest window granted: ${largest} bytes (yamux's initial 262144)`)
  })

  it('a node drops a connection its peer went silent on, with the keep-alive of its config', async () => {
    const dirs: TestDir[] = [await tempDir(), await tempDir()]
    stops.push(async () => { for (const dir of dirs) await dir.cleanup() })
    // the shortest the config takes
    const muxer = { keepAliveIntervalMs: 1000, keepAliveTimeoutMs: 5000 }
    const nodes: PeershareNode[] = []
    for (const dir of dirs) {
      const node = await startTestNode(dir.path, { muxer })
      stops.push(async () => { await node.stop() })
      nodes.push(node)
    }
    const [a, b] = nodes
    const { relay, port: relayPort } = await relayed(portOf(b.addresses[0]))
    await a.connect(multiaddr(`/ip4/127.0.0.1/tcp/${relayPort}/p2p/${b.peerId.toString()}`))
    const throughRelay = async (): Promise<boolean> => (await a.peers(AbortSignal.timeout(200))).some(p => p.addresses.some(addr => addr.includes(`/tcp/${relayPort}/`)))
    assert.ok(await throughRelay())
    relay.silence()
    // the peers may meet again over b's own address (identify told a of it): only the silent connection must go
    await until(async () => !(await throughRelay()), 30_000, 'the connection through the silent relay to close')
  })
})
