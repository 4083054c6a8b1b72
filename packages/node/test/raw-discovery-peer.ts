/**
 * A raw libp2p peer for discovery tests: it speaks identify (so a node sees which
 * protocols it claims) and answers `/peershare/catalog/1.0.0` and
 * `/peershare/search/1.0.0` with whatever bytes a test gives it, framed or not,
 * or never answers at all. Built from the real codecs and framing, so a node sees
 * exactly what a malicious peer could send. It can also act as a client that sends
 * raw requests to a node.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { RecordEnvelope } from '@libp2p/peer-record'
import { CATALOG_PROTOCOL, MAX_DISCOVERY_REQUEST_BYTES, type Offer, SEARCH_PROTOCOL, encodeOffer } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { OFFER_DOMAIN, OFFER_PAYLOAD_TYPE } from '../src/catalog/index.js'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { Author } from './offers.js'

/** What the peer does with one request: raw bytes to send (then close), or 'silent' (hold the stream, never answer) */
export type RawAnswer = Uint8Array | 'silent'

export interface RawPeerHandlers {
  catalog?: (request: Uint8Array) => RawAnswer
  search?: (request: Uint8Array) => RawAnswer
}

export interface RawPeer {
  node: Libp2p<{ identify: ReturnType<ReturnType<typeof identify>> }>
  /** requests received, per protocol */
  received: { catalog: number, search: number }
  stop(): Promise<void>
}

export async function startRawPeer (handlers: RawPeerHandlers = {}): Promise<RawPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const received = { catalog: 0, search: 0 }
  const serve = (kind: keyof RawPeerHandlers) => async (stream: Stream): Promise<void> => {
    const handler = handlers[kind] as (request: Uint8Array) => RawAnswer
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_DISCOVERY_REQUEST_BYTES, highWaterMark: 1 << 16 })
    try {
      const request = await framed.read()
      received[kind]++
      const answer = handler(request?.subarray() ?? new Uint8Array(0))
      if (answer === 'silent') {
        // hold the stream open: only the asker may end it
        while (await framed.read() != null) { /* drain */ }
        return
      }
      stream.send(answer)
      await stream.close()
    } catch {
      // the asker gave up on us: what the tests expect
    }
  }
  // only the protocols it was given a handler for: identify lists exactly those
  if (handlers.catalog != null) await node.handle(CATALOG_PROTOCOL, serve('catalog'))
  if (handlers.search != null) await node.handle(SEARCH_PROTOCOL, serve('search'))
  await node.start()
  return { node, received, stop: async () => node.stop() }
}

/** One length-prefixed message: what a well-behaved peer sends */
export function frame (message: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let n = message.byteLength
  while (n >= 0x80) { prefix.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  prefix.push(n)
  return Uint8Array.from([...prefix, ...message])
}

/** An offer signed by `signer` that names another author: a forgery every receiver must refuse */
export async function forgedOffer (signer: Author, offer: Offer): Promise<Uint8Array> {
  const payload = encodeOffer(offer)
  const envelope = await RecordEnvelope.seal({ domain: OFFER_DOMAIN, codec: OFFER_PAYLOAD_TYPE, marshal: () => payload, equals: () => false }, signer.key)
  return envelope.marshal()
}
