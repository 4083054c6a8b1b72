/**
 * A provider against downloaders that never read, hold silent sessions, or open and
 * abandon sessions, and against a peer flooding the DHTs with provider records: real
 * nodes on 127.0.0.1, attackers built from the real codecs and framing (raw libp2p
 * peers speaking /peershare/exchange/1.0.0, and kad-dht's own message codec).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, decodeMessage, encodeMessage, parseFileId, type Message } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import * as Digest from 'multiformats/hashes/digest'
import type { Uint8ArrayList } from 'uint8arraylist'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * A raw libp2p peer. Its yamux window stays at the initial 256 KiB, so a stream it
 * stops reading (`pause()`) takes no more than that: the provider holds the rest.
 */
async function rawPeer (): Promise<Libp2p> {
  const streamOptions = { maxStreamWindowSize: 256 * KiB, maxReadBufferLength: 64 * MiB }
  return createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux({ streamOptions })] })
}

async function openStream (peer: Libp2p, server: PeershareNode): Promise<FramedStream> {
  const stream = await peer.dialProtocol(multiaddr(dialAddress(server)), EXCHANGE_PROTOCOL)
  return new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 30 })
}

async function next (framed: FramedStream, timeoutMs = 10_000): Promise<Message | null> {
  const frame = await framed.read({ signal: AbortSignal.timeout(timeoutMs) })
  return frame == null ? null : decodeMessage(frame)
}

/** Want, then wait for the Offer */
async function offered (framed: FramedStream, fileId: string): Promise<void> {
  await framed.write(encodeMessage({ type: 'want', fileId: parseFileId(fileId) }))
  assert.equal((await next(framed))?.type, 'offer')
}

async function failureCode (framed: FramedStream): Promise<string | undefined> {
  const msg = await next(framed)
  return msg?.type === 'failure' ? msg.code : msg?.type
}

describe('a provider against hostile downloaders', function () {
  this.timeout(120_000)
  let dir: TestDir
  const peers: Libp2p[] = []
  const nodes: PeershareNode[] = []

  before(async () => { dir = await tempDir() })
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(async p => p.stop()))
    await Promise.all(nodes.splice(0).map(async n => n.stop()))
  })
  after(async () => { await dir?.cleanup() })

  async function server (name: string, init: Parameters<typeof startTestNode>[1], fileSize: number): Promise<{ node: PeershareNode, fileId: string, src: string }> {
    const node = await startTestNode(join(dir.path, name), init)
    nodes.push(node)
    const src = await randomFile(dir.path, `${name}.bin`, fileSize)
    const { fileId } = await node.share(src)
    return { node, fileId, src }
  }

  async function attacker (): Promise<Libp2p> {
    const peer = await rawPeer()
    peers.push(peer)
    return peer
  }

  it('C4/A5: keeps never-reading streams within the session, peer and node budgets and drops them after the write deadline', async () => {
    const limits = { maxUnsentPerSession: 512 * KiB, maxUnsentPerPeer: 1 * MiB, maxUnsentBytes: 1536 * KiB, requestTimeout: 2000 }
    const { node, fileId } = await server('budget', { chunkSize: 64 * KiB, exchange: limits }, 8 * MiB)
    const attackers = [await attacker(), await attacker()]
    const streams: FramedStream[] = []
    for (const peer of attackers) {
      for (let i = 0; i < 8; i++) {
        const framed = await openStream(peer, node)
        await offered(framed, fileId)
        await framed.write(encodeMessage({ type: 'request', chunks: Array.from({ length: 64 }, (_, c) => c + 64 * (i % 2)), priority: 'normal' }))
        // stop reading: no more window for the provider on this stream
        framed.stream.pause()
        streams.push(framed)
      }
    }
    const peak = { unsentBytes: 0, maxPeerUnsentBytes: 0, maxSessionUnsentBytes: 0 }
    const sample = (): void => {
      const s = node.exchange.stats()
      peak.unsentBytes = Math.max(peak.unsentBytes, s.unsentBytes)
      peak.maxPeerUnsentBytes = Math.max(peak.maxPeerUnsentBytes, s.maxPeerUnsentBytes)
      peak.maxSessionUnsentBytes = Math.max(peak.maxSessionUnsentBytes, s.maxSessionUnsentBytes)
    }
    await until(() => { sample(); return node.exchange.stats().unsentBytes >= limits.maxUnsentBytes / 2 })
    // the write deadline fires: every attacker session is dropped, its buffers freed
    await until(() => { sample(); return node.exchange.stats().sessions === 0 }, 30_000)
    assert.ok(peak.maxSessionUnsentBytes <= limits.maxUnsentPerSession, `session peak ${peak.maxSessionUnsentBytes}`)
    assert.ok(peak.maxPeerUnsentBytes <= limits.maxUnsentPerPeer, `peer peak ${peak.maxPeerUnsentBytes}`)
    assert.ok(peak.unsentBytes <= limits.maxUnsentBytes, `node peak ${peak.unsentBytes}`)
    assert.equal(node.exchange.stats().unsentBytes, 0)
    // the resets cross the network after the sessions ended here: wait for them, a busy machine delays them
    await until(() => streams.every(framed => framed.stream.status !== 'open'))
  })

  it('C1: refuses sessions beyond the per-peer cap with busy', async () => {
    const { node, fileId } = await server('per-peer', { chunkSize: 64 * KiB, exchange: { maxSessionsPerPeer: 3, idleEvictAfter: 60_000 } }, 256 * KiB)
    const peer = await attacker()
    const held: FramedStream[] = []
    for (let i = 0; i < 3; i++) {
      const framed = await openStream(peer, node)
      await offered(framed, fileId)
      held.push(framed)
    }
    assert.equal(await failureCode(await openStream(peer, node)), 'busy')
    // another peer is not affected
    await offered(await openStream(await attacker(), node), fileId)
    for (const framed of held) await framed.write(encodeMessage({ type: 'complete' }))
  })

  it('C3/C5: an honest downloader completes while 10 peer ids hold silent sessions', async () => {
    const exchange = { maxSessions: 40, maxSessionsPerPeer: 8, idleEvictAfter: 300 }
    const { node, fileId, src } = await server('silent', { chunkSize: 64 * KiB, exchange }, 4 * MiB)
    let silent = 0
    for (let a = 0; a < 10; a++) {
      const peer = await attacker()
      for (let i = 0; i < 8; i++) {
        const framed = await openStream(peer, node)
        // half send nothing at all, half only Want
        if (i % 2 === 1) await framed.write(encodeMessage({ type: 'want', fileId: parseFileId(fileId) }))
        silent++
      }
    }
    assert.equal(silent, 80)
    await until(() => node.exchange.stats().sessions >= exchange.maxSessions)
    const honest = await startTestNode(join(dir.path, 'honest'))
    nodes.push(honest)
    const output = join(dir.path, 'honest-out.bin')
    await honest.get(fileId, { from: multiaddr(dialAddress(node)), output })
    assert.equal(await sha256File(output), await sha256File(src))
  })

  it('A4: refuses and disconnects a peer over maxInvalid invalid requests, for a while, and serves others', async () => {
    const { node, fileId, src } = await server('invalid', { chunkSize: 64 * KiB, exchange: { maxInvalid: 3 } }, 256 * KiB)
    const peer = await attacker()
    // each ends its own session with bad-request; the fourth puts the peer over the limit
    const invalid: Message[] = [
      { type: 'request', chunks: [4], priority: 'normal' },
      { type: 'request', chunks: [2 ** 31], priority: 'normal' },
      { type: 'want', fileId: parseFileId(fileId) },
      { type: 'request', chunks: [99], priority: 'normal' }
    ]
    for (const msg of invalid) {
      const framed = await openStream(peer, node)
      await offered(framed, fileId)
      await framed.write(encodeMessage(msg))
      assert.equal(await failureCode(framed), 'bad-request', JSON.stringify(msg))
    }
    // the provider hung up on it; dialling again, it is refused
    await until(() => peer.getConnections().length === 0)
    assert.equal(await failureCode(await openStream(peer, node)), 'busy')
    const { body } = await node.metrics!.scrape()
    assert.match(body, /peershare_peer_bans_total\{reason="invalid-messages"\} 1\b/)
    // an honest downloader is served meanwhile
    const honest = await startTestNode(join(dir.path, 'honest-a4'))
    nodes.push(honest)
    const output = join(dir.path, 'honest-a4.bin')
    await honest.get(fileId, { from: multiaddr(dialAddress(node)), output })
    assert.equal(await sha256File(output), await sha256File(src))
  })

  it('refuses a peer that keeps opening and abandoning sessions, for a while, and only that peer', async () => {
    const exchange = { maxAbandoned: 3, abandonPenalty: 60_000, sessionIdleTimeout: 300 }
    const { node, fileId } = await server('abandon', { chunkSize: 64 * KiB, exchange }, 256 * KiB)
    const peer = await attacker()
    // Want, then nothing: the provider gives up on each (idle)
    for (let i = 0; i < 4; i++) {
      const framed = await openStream(peer, node)
      await offered(framed, fileId)
      assert.equal(await failureCode(framed), 'bad-request')
    }
    await until(() => node.exchange.stats().sessions === 0)
    assert.equal(await failureCode(await openStream(peer, node)), 'busy')
    // an honest peer asks for chunks: it is served, however often it comes back
    const honest = await attacker()
    for (let i = 0; i < 6; i++) {
      const framed = await openStream(honest, node)
      await offered(framed, fileId)
      await framed.write(encodeMessage({ type: 'request', chunks: [0], priority: 'normal' }))
      assert.equal((await next(framed))?.type, 'chunk')
      await framed.write(encodeMessage({ type: 'complete' }))
      assert.equal(await next(framed), null)
    }
    // closing a session it turns out not to need (Want, Offer, Complete) is not abandoning it
    const polite = await attacker()
    for (let i = 0; i < 6; i++) {
      const framed = await openStream(polite, node)
      await offered(framed, fileId)
      await framed.write(encodeMessage({ type: 'complete' }))
      assert.equal(await next(framed), null)
    }
  })
})

describe('DHT provider records from a flooding peer (raw ADD_PROVIDER against a real node)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let node: PeershareNode
  const peers: Libp2p[] = []
  // kad-dht's own message codec (not among the package's exports)
  let codec: { Message: { encode(m: unknown): Uint8Array, decode(b: Uint8Array | Uint8ArrayList): any } }

  before(async () => {
    dir = await tempDir()
    // in process only: the public DHT is a server here so both DHTs' caps are tested
    node = await startTestNode(join(dir.path, 'dht'), { dhtMode: 'server', dhtRecords: { maxPerPeer: 50, maxTotal: 80 } })
    codec = await import(new URL('./message/dht.js', import.meta.resolve('@libp2p/kad-dht')).href)
  })
  after(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await node?.stop()
    await dir?.cleanup()
  })

  /** Sends `count` ADD_PROVIDER messages for random keys on one stream; returns the keys */
  async function flood (protocol: string, count: number): Promise<{ peer: Libp2p, keys: Uint8Array[] }> {
    const peer = await rawPeer()
    peers.push(peer)
    const stream = await peer.dialProtocol(multiaddr(dialAddress(node)), protocol)
    const framed = new FramedStream(stream, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 20 })
    const provider = { id: peer.peerId.toMultihash().bytes, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes] }
    const keys = Array.from({ length: count }, () => Uint8Array.from([0x12, 0x20, ...randomBytes(32)]))
    for (const key of keys) await framed.write(codec.Message.encode({ type: 'ADD_PROVIDER', key, providers: [provider], closer: [] }))
    return { peer, keys }
  }

  async function providersOf (peer: Libp2p, protocol: string, key: Uint8Array): Promise<string[]> {
    const stream = await peer.dialProtocol(multiaddr(dialAddress(node)), protocol)
    const framed = new FramedStream(stream, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 20 })
    await framed.write(codec.Message.encode({ type: 'GET_PROVIDERS', key, providers: [], closer: [] }))
    const reply = codec.Message.decode(await framed.read({ signal: AbortSignal.timeout(10_000) }) as Uint8ArrayList)
    await stream.close()
    return reply.providers.map((p: { id: Uint8Array }) => peerIdFromMultihash(Digest.decode(p.id)).toString())
  }

  for (const name of ['lan', 'public'] as const) {
    it(`F2: stores at most maxPerPeer records for one peer and maxTotal in all (${name} DHT)`, async () => {
      const dht = node.dhts.find(d => d.name === name)!
      const before = dht.providerRecords().dropped
      const a = await flood(dht.protocol, 120)
      await until(() => dht.providerRecords().dropped - before >= 70, 30_000)
      assert.equal(dht.providerRecords(a.peer.peerId.toString()).peer, 50)
      if (name === 'lan') {
        // what was kept is real: the DHT answers with the flooding peer for its first key
        // (the public DHT leaves out providers with only loopback addresses)
        assert.deepEqual(await providersOf(a.peer, dht.protocol, a.keys[0]), [a.peer.peerId.toString()])
        assert.deepEqual(await providersOf(a.peer, dht.protocol, a.keys[119]), [])
      }
      const b = await flood(dht.protocol, 120)
      await until(() => dht.providerRecords().dropped - before >= 70 + 90, 30_000)
      assert.equal(dht.providerRecords(b.peer.peerId.toString()).peer, 30)
      assert.equal(dht.providerRecords().total, 80)
    })
  }
})
