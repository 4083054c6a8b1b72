/**
 * A real libp2p peer that answers /peershare/exchange/1.0.0 with a genuine Offer and
 * then, at the downloader's first Request, writes whatever raw bytes a test gives it
 * (half a length prefix, a cut-off message, a junk length, a chunk index above 32
 * bits) and optionally closes its end. Built from the real codecs and framing, so the
 * downloader sees exactly what a malicious provider could send.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, decodeMessage, encodeMessage, parseFileId } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { StoredFile } from '../src/store/file-store.js'

export interface RawReply {
  /** bytes written as they are (no framing added) after the first Request */
  bytes: Uint8Array
  /** close our writing end afterwards (a FIN); otherwise the stream stays open */
  close: boolean
}

export async function startHostileProvider (file: StoredFile, reply: RawReply): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  await node.handle(EXCHANGE_PROTOCOL, async (stream) => {
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 22 })
    try {
      const want = await framed.read()
      await framed.write(encodeMessage({ type: 'offer', fileId: parseFileId(file.record.fileId), manifest: file.manifestBytes, metadata: file.record.metadata }))
      // a Want may ask for the first chunks itself (exchange 1.1.0): then it is the request
      const asked = want != null && (decodeMessage(want) as { first?: { chunks: number[] } }).first != null
      while (!asked) {
        const frame = await framed.read()
        if (frame == null) return
        if (decodeMessage(frame).type === 'request') break
      }
      stream.send(reply.bytes)
      if (reply.close) await stream.close()
      // otherwise hold the stream open: only the downloader may end this session
      while (await framed.read() != null) { /* drain */ }
    } catch {
      // the downloader reset the stream: what the tests expect
    }
  })
  await node.start()
  return node
}
