/**
 * A real libp2p peer (WebRTC-direct, so a page can dial it) that answers
 * `/peershare/search/1.0.0` with a forgery: a daemon's genuine signed offer with one
 * byte of its name changed, so its signature no longer holds. It fetches the genuine
 * answer from the daemon itself with the real codecs, then serves the altered copy to
 * every query. The asking side must drop the whole answer.
 */
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { webRTCDirect } from '@libp2p/webrtc'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_SEARCH_RESULTS, SEARCH_PROTOCOL, decodeSearchResponse, encodeSearchRequest, encodeSearchResponse } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'

/** Starts the forger: `daemon` is the daemon's WebRTC-direct address, `query` finds its offer, whose name holds `word` */
export async function startForgingSearchPeer (daemon: string, query: string, word: string): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/udp/0/webrtc-direct'] },
    transports: [webRTCDirect()],
    services: { identify: identify() }
  })
  const genuine = await askOnce(node, daemon, query)
  const forged = genuine.map(envelope => alter(envelope, word))
  await node.handle(SEARCH_PROTOCOL, async (stream: Stream) => {
    // the request ends with the asker closing its side; its content does not matter here
    for await (const _ of stream) {}
    stream.send(frame(encodeSearchResponse({ entries: forged })))
    await stream.close()
  })
  return node
}

async function askOnce (node: Libp2p, daemon: string, text: string): Promise<Uint8Array[]> {
  const stream = await node.dialProtocol(multiaddr(daemon), SEARCH_PROTOCOL)
  stream.send(frame(encodeSearchRequest({ text, limit: MAX_SEARCH_RESULTS })))
  await stream.close()
  const parts: Uint8Array[] = []
  for await (const part of stream) parts.push(part.subarray())
  const bytes = Buffer.concat(parts)
  const [length, offset] = varint(bytes)
  const response = decodeSearchResponse(bytes.subarray(offset, offset + length))
  if (response.refused != null || response.entries.length === 0) throw new Error(`the daemon gave no offer for ${text}`)
  return response.entries
}

/** The envelope with the first letter of `word` in its payload flipped in case */
function alter (envelope: Uint8Array, word: string): Uint8Array {
  const copy = Uint8Array.from(envelope)
  const at = Buffer.from(copy).indexOf(word)
  if (at < 0) throw new Error(`${word} is not in the offer`)
  copy[at] ^= 0x20
  return copy
}

/** An unsigned-varint length prefix and the message */
function frame (message: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let n = message.byteLength
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  prefix.push(n)
  return Buffer.concat([Uint8Array.from(prefix), message])
}

function varint (bytes: Uint8Array): [value: number, length: number] {
  let value = 0
  for (let i = 0; i < 5; i++) {
    value += (bytes[i] & 0x7f) * 2 ** (7 * i)
    if ((bytes[i] & 0x80) === 0) return [value, i + 1]
  }
  throw new Error('a length prefix over 5 bytes')
}
