/**
 * A real libp2p peer (listening on WebRTC-direct, so a page can dial it) that answers
 * `/peershare/search/1.0.0` with a forgery: a daemon's genuine signed offer with one
 * byte of its name changed, so its signature no longer holds. It fetches the genuine
 * answer from the daemon itself with the real codecs, then serves the altered copy to
 * every query. The asking side must drop the whole answer.
 *
 * It runs in a child process (`spawnForgingSearchPeer`): node-datachannel, under
 * WebRTC-direct, crashed the test process (SIGABRT/SIGSEGV) at exit about one run in
 * two when a page had connected to a peer in it, taking every result with it.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { withUdpPortsChosen } from '@peershare/node'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_SEARCH_RESULTS, SEARCH_PROTOCOL, decodeSearchResponse, encodeSearchRequest, encodeSearchResponse } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'

/** The forger in its own process: its WebRTC-direct address, and a stop that kills it */
export async function spawnForgingSearchPeer (daemon: string, query: string, word: string): Promise<{ address: string, stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), daemon, query, word], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
    })
    void exited.then(() => { reject(new Error('the forging peer exited before it listened')) })
  })
  return {
    address,
    stop: async () => {
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** Starts the forger: `daemon` is the daemon's TCP address, `query` finds its offer, whose name holds `word` */
async function startForgingSearchPeer (daemon: string, query: string, word: string): Promise<Libp2p> {
  const node = await createLibp2p({
    // a port free for UDP: left at 0, libp2p's pick checks TCP only and met a browser's ICE socket once
    addresses: { listen: await withUdpPortsChosen(['/ip4/127.0.0.1/udp/0/webrtc-direct']) },
    transports: [webRTCDirect(), tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
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

// run as a script: prints its WebRTC-direct address on one line, then serves until killed
if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [daemon, query, word] = process.argv.slice(2)
  const node = await startForgingSearchPeer(daemon, query, word)
  process.stdout.write(`${node.getMultiaddrs().map(String).find(a => a.includes('/certhash/')) ?? ''}\n`)
}
