/**
 * A real libp2p peer that speaks /peershare/exchange/1.0.0 but lies, for tests:
 * it offers a genuine file's manifest and then corrupts one chunk, or offers a
 * manifest that does not match the id asked for, or sends compressed chunks that
 * inflate past their length, do not inflate at all, or were never agreed, or answers
 * Requests for parts of chunks with wrong bytes. Built from the real codecs and
 * framing, so the downloader sees exactly what a malicious peer could send.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import {
  EXCHANGE_PROTOCOL,
  MAX_MESSAGE_BYTES,
  decodeMessage,
  encodeManifest,
  encodeMessage,
  parseFileId,
  type Manifest
} from '@peershare/protocol'
import { zstdCompressSync } from 'node:zlib'
import { createLibp2p } from 'libp2p'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { StoredFile } from '../src/store/file-store.js'
import { withUdpPortsChosen } from '../src/swarm/listen-ports.js'

export type Lie =
  | { kind: 'corrupt-chunk', index: number }
  | { kind: 'corrupt-all' }
  | { kind: 'wrong-manifest' }
  /** every chunk compressed, but: with 1 KiB more than the chunk inside, as garbage, or without zstd in the Offer */
  | { kind: 'compress', how: 'bomb' | 'garbage' | 'unagreed' }
  /**
   * offers parts (to a Want that reads the flag) and sends every part with one byte
   * changed, whole chunks as they are, at `bytesPerSecond` (a source of a known speed)
   */
  | { kind: 'corrupt-parts', bytesPerSecond: number }

const TRANSPORTS = {
  tcp: { listen: '/ip4/127.0.0.1/tcp/0', transport: tcp },
  'webrtc-direct': { listen: '/ip4/127.0.0.1/udp/0/webrtc-direct', transport: webRTCDirect },
  websockets: { listen: '/ip4/127.0.0.1/tcp/0/ws', transport: webSockets }
}

/** `transport`: TCP, or one a browser can dial (WebRTC-direct, WebSockets) */
export async function startLyingPeer (file: StoredFile, chunks: Uint8Array[], lie: Lie, transport: keyof typeof TRANSPORTS = 'tcp'): Promise<Libp2p> {
  const { listen, transport: make } = TRANSPORTS[transport]
  const node = await createLibp2p({
    addresses: { listen: await withUdpPortsChosen([listen]) },
    transports: [make()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  await node.handle(EXCHANGE_PROTOCOL, async (stream) => {
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 22 })
    const want = await framed.read()
    const manifestBytes = lie.kind === 'wrong-manifest' ? encodeManifest(tamper(file.manifest)) : file.manifestBytes
    const encoding = lie.kind === 'compress' && lie.how !== 'unagreed' ? 'zstd' as const : undefined
    const wanted = want == null ? undefined : decodeMessage(want) as { first?: { chunks: number[] }, parts?: boolean }
    const parts = lie.kind === 'corrupt-parts' && wanted?.parts === true ? { parts: true } : {}
    await framed.write(encodeMessage({ type: 'offer', fileId: parseFileId(file.record.fileId), manifest: manifestBytes, metadata: file.record.metadata, encoding, ...parts }))
    // the chunks the Want asked for (exchange 1.1.0) are served as a Request's
    const first = wanted?.first
    let pending: number[] = (first?.chunks ?? []).filter(i => i < chunks.length)
    while (true) {
      if (pending.length === 0) {
        const frame = await framed.read().catch(() => null)
        if (frame == null) return
        const msg = decodeMessage(frame)
        if (msg.type !== 'request') continue
        if (msg.part != null) {
          const { offset, length } = msg.part
          if (lie.kind === 'corrupt-parts') await pace(length, lie.bytesPerSecond)
          const data = Uint8Array.from(chunks[msg.chunks[0]].subarray(offset, offset + length))
          data[0] ^= 0xff
          await framed.write(encodeMessage({ type: 'chunk', index: msg.chunks[0], hash: new Uint8Array(0), data, offset }))
          continue
        }
        pending = msg.chunks
      }
      const asked = pending
      pending = []
      for (const index of asked) {
        if (lie.kind === 'corrupt-parts') await pace(chunks[index].byteLength, lie.bytesPerSecond)
        const data = Uint8Array.from(chunks[index])
        if ((lie.kind === 'corrupt-chunk' && index === lie.index) || lie.kind === 'corrupt-all') data[0] ^= 0xff
        const compressed = lie.kind === 'compress'
        const sent = lie.kind === 'compress' ? compressLie(lie.how, data) : data
        await framed.write(encodeMessage({ type: 'chunk', index, hash: file.manifest.chunkHashes[index], data: sent, compressed }))
      }
    }
  })
  await node.start()
  return node
}

/** Waits the time `bytes` take at `bytesPerSecond` */
async function pace (bytes: number, bytesPerSecond: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, bytes / bytesPerSecond * 1000))
}

/** A manifest for other content of the same shape: its bytes hash to another id */
function tamper (manifest: Manifest): Manifest {
  const sha256 = Uint8Array.from(manifest.sha256)
  sha256[0] ^= 0xff
  return { ...manifest, sha256 }
}

function compressLie (how: 'bomb' | 'garbage' | 'unagreed', data: Uint8Array): Uint8Array {
  if (how === 'garbage') return zstdCompressSync(data).subarray(0, 40).map(b => b ^ 0x5a)
  // a bomb: the chunk and then more, all in valid zstd
  return zstdCompressSync(how === 'bomb' ? Buffer.concat([data, new Uint8Array(1024)]) : data)
}
