/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { openReceiveWindow } from '@peershare/node/engine'
import { createLibp2p } from 'libp2p'
import { YAMUX_STREAMS } from '../src/settings.js'

const MiB = 1024 * 1024
const PROTOCOL = '/test/paused-page/1'

/** A node on 127.0.0.1 over WebSockets, as a page reaches a daemon; `streamOptions`: its yamux streams' */
async function wsNode (streamOptions?: Record<string, number>): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(streamOptions == null ? {} : { streamOptions })]
  })
}

async function until (condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 3000) throw new Error(`gave up waiting: ${what}`)
    await new Promise(resolve => { setTimeout(resolve, 10) })
  }
}

/**
 * A page's stream whose window has grown to its largest (as a long download's does over
 * a real link) stops being read, as a session does at its read high-water mark while the
 * page is busy; the daemon has `total` bytes for it. Returns whether the page's stream
 * was aborted, or else the bytes it read once it read again.
 */
async function pausedPage (pageStreams: Record<string, number> | undefined, total: number): Promise<{ aborted: true } | { aborted: false, read: number }> {
  const [page, daemon] = await Promise.all([wsNode(pageStreams), wsNode()])
  try {
    await daemon.handle(PROTOCOL, async (stream) => {
      const piece = new Uint8Array(256 * 1024)
      for (let sent = 0; sent < total && stream.status === 'open'; sent += piece.byteLength) {
        if (stream.send(piece)) continue
        await new Promise(resolve => {
          stream.addEventListener('drain', resolve, { once: true })
          stream.addEventListener('close', resolve, { once: true })
        })
      }
      if (stream.status === 'open') await stream.close()
    })
    const stream: Stream = await page.dialProtocol(daemon.getMultiaddrs()[0], PROTOCOL)
    // the window at its largest, as yamux grows it within a few round trips of a transfer
    openReceiveWindow(stream, Number.POSITIVE_INFINITY)
    stream.pause()
    let read = 0
    stream.addEventListener('message', (evt) => { read += evt.data.byteLength })
    const window = (stream as unknown as { recvWindow: number }).recvWindow
    // the daemon sends all the window lets it, and no more while the page does not read
    await until(() => stream.status !== 'open' || stream.readBufferLength >= Math.min(total, window), 'the daemon filling the window')
    if (stream.status !== 'open') return { aborted: true }
    stream.resume()
    await until(() => read >= total || stream.status !== 'open', 'the page reading it all')
    return stream.status === 'open' || read >= total ? { aborted: false, read } : { aborted: true }
  } finally {
    await Promise.all([page.stop(), daemon.stop()])
  }
}

describe('the page\'s yamux streams (WebSockets, real nodes on 127.0.0.1)', function () {
  this.timeout(120_000)

  it('yamux\'s defaults abort a stream not read while its grown window is in flight (a 4 MiB read buffer under a 16 MiB window)', async () => {
    assert.deepEqual(await pausedPage(undefined, 12 * MiB), { aborted: true })
  })

  it('the page\'s settings hold a whole window unread, and the stream goes on once read again', async () => {
    assert.ok(YAMUX_STREAMS.maxReadBufferLength >= YAMUX_STREAMS.maxStreamWindowSize)
    assert.deepEqual(await pausedPage(YAMUX_STREAMS, 12 * MiB), { aborted: false, read: 12 * MiB })
  })
})
