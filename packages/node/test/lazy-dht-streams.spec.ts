/**
 * DHT requests sent behind their protocol's proposal (dht/lazy-streams.ts): bare libp2p
 * nodes on 127.0.0.1, dialling through a TCP relay that can hold back everything the
 * listener sends, so a request that waited for multistream's echo would never leave.
 */
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, StreamMuxerFactory } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import * as varint from 'uint8-varint'
import { fromString } from 'uint8arrays/from-string'
import { toString as textOf } from 'uint8arrays/to-string'
import { echoed, lazyDhtStreams, type StreamOpener } from '../src/dht/index.js'
import { lazySelectMuxer } from '../src/transports/index.js'
import { LOOPBACK_TCP, until } from './fixtures.js'
import { TcpRelay } from './tcp-relays.js'

const PROTOCOL = '/peershare/test-lazy-dht/1.0.0'
const REQUEST = 'find me the closest peers'
const ANSWER = 'here they are'

/** Passes the dialler's bytes on; holds the listener's while `hold()` lasts */
class HoldingRelay {
  readonly relay: TcpRelay
  private held = false
  private readonly waiting: Array<{ to: Socket, data: Buffer }> = []

  constructor (target: number) {
    this.relay = new TcpRelay(target, (client, upstream) => {
      client.pipe(upstream)
      upstream.on('data', (data: Buffer) => {
        if (this.held) this.waiting.push({ to: client, data })
        else client.write(data)
      })
    })
  }

  hold (): void {
    this.held = true
  }

  release (): void {
    this.held = false
    for (const { to, data } of this.waiting.splice(0)) to.write(data)
  }
}

async function bareNode (muxer: () => StreamMuxerFactory): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: LOOPBACK_TCP },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer],
    // its ping streams would wait behind the held bytes too
    connectionMonitor: { enabled: false }
  })
  await node.start()
  return node
}

const lazyYamux = (): StreamMuxerFactory => lazySelectMuxer(yamux()())
const plainYamux = (): StreamMuxerFactory => yamux()()

describe('DHT requests sent behind their protocol\'s proposal', function () {
  this.timeout(60_000)
  const nodes: Libp2p[] = []
  const relays: TcpRelay[] = []
  afterEach(async () => {
    for (const relay of relays.splice(0)) relay.close()
    await Promise.all(nodes.splice(0).map(async n => n.stop()))
  })

  /** A dialler connected to a listener that answers PROTOCOL requests (through a holding relay), and the requests it got */
  async function connected (muxer: () => StreamMuxerFactory): Promise<{ opener: StreamOpener, listener: Libp2p, relay: HoldingRelay, requests: string[] }> {
    const [dialler, listener] = [await bareNode(muxer), await bareNode(muxer)]
    nodes.push(dialler, listener)
    const requests: string[] = []
    await listener.handle(PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      requests.push(textOf((await lp.read()).subarray()))
      await lp.write(fromString(ANSWER))
      await stream.close()
    })
    const relay = new HoldingRelay(Number(listener.getMultiaddrs()[0].toString().split('/')[4]))
    relays.push(relay.relay)
    const port = await relay.relay.listen()
    await dialler.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${listener.peerId.toString()}`))
    const opener: StreamOpener = { openStream: async (peer, protocol, options) => dialler.dialProtocol(peer as never, protocol, options) }
    return { opener, listener, relay, requests }
  }

  it('the request reaches the peer while nothing can come back, and the answer is read past the echo', async () => {
    const { opener, listener, relay, requests } = await connected(lazyYamux)
    relay.hold()
    const sent = (async () => {
      const stream = await lazyDhtStreams(opener).openStream(listener.peerId, PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(fromString(REQUEST))
      return lp
    })()
    // the write is awaited even if the wait fails, so it cannot reject unheard once the nodes stop
    sent.catch(() => {})
    await until(() => requests.length === 1, 20_000, 'the request at the peer, with its echo held back')
    assert.equal(requests[0], REQUEST)
    relay.release()
    const answer = await (await sent).read()
    assert.equal(textOf(answer.subarray()), ANSWER, 'the answer, with the multistream echo taken off ahead of it')
  })

  it('a peer that does not speak the protocol: its echo differs (UnsupportedProtocolError) and the request fails', async () => {
    const { opener, listener } = await connected(lazyYamux)
    const stream = await lazyDhtStreams(opener).openStream(listener.peerId, '/peershare/not-spoken/1.0.0')
    const lp = lpStream(stream)
    await lp.write(fromString(REQUEST)).catch(() => {})
    await assert.rejects(echoed(stream), (err: Error) => err.name === 'UnsupportedProtocolError')
    // the reader gets the abort's error, or the stream's reset or end if the peer's came first
    await assert.rejects(lp.read())
  })

  it('the echo, the answer and the stream\'s end all in before a reader listens: the answer is read whole', async () => {
    const { opener, listener, requests } = await connected(lazyYamux)
    const stream = await lazyDhtStreams(opener).openStream(listener.peerId, PROTOCOL)
    // written raw: a reader made to write would listen from now on
    const request = fromString(REQUEST)
    stream.send(Uint8Array.from([...varint.encode(request.byteLength), ...request]))
    await until(() => requests.length === 1 && stream.remoteWriteStatus === 'closed', 20_000, 'the answer and the peer\'s end of the stream')
    await echoed(stream)
    assert.equal(textOf((await lpStream(stream).read()).subarray()), ANSWER)
  })


  it('a stream the muxer cannot open lazily is negotiated in full and used as it is', async () => {
    const { opener, listener, requests } = await connected(plainYamux)
    const stream = await lazyDhtStreams(opener).openStream(listener.peerId, PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(fromString(REQUEST))
    assert.equal(textOf((await lp.read()).subarray()), ANSWER)
    assert.equal(requests[0], REQUEST)
  })
})
