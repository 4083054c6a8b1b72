/**
 * The web UI's event stream on a real HTTP server: the list of downloads on connect,
 * progress coalesced per download, `files` events, the subscription held only while
 * clients listen, the client count bounded, and a client that stops reading dropped.
 */
import assert from 'node:assert/strict'
import { type IncomingMessage, type Server, type ServerResponse, createServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TransferProgress } from '@peershare/client'
import { HttpError } from '../src/control/http-errors.js'
import { LiveEvents, MAX_BUFFERED_BYTES, MAX_EVENT_CLIENTS } from '../src/control/webui/events.js'

/** The transfers side of a node: its progress listeners, fed by the test as a download would be */
class Downloads {
  readonly listeners = new Set<(p: TransferProgress) => void>()
  list (): TransferProgress[] {
    return [progress('a', 0)]
  }

  onProgress (listener: (p: TransferProgress) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit (p: TransferProgress): void {
    for (const listener of this.listeners) listener(p)
  }
}

function progress (fileId: string, bytesDone: number, state: TransferProgress['state'] = 'running', name = 'film.mkv'): TransferProgress {
  return { fileId, name, output: '', state, priority: 'normal', bytesDone, bytesTotal: 1000, rate: 0, eta: null, stallReason: null, stallMessage: null, nextLookIn: null, sources: 1, sourceStats: [], bytesReceived: bytesDone, bytesOnWire: bytesDone, bannedPeers: [] } as unknown as TransferProgress
}

async function until (condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** An event stream client: the events it parsed, in order */
async function listen (port: number): Promise<{ res: IncomingMessage, events: Array<{ event: string, data: any }> }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => { get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject) })
  const events: Array<{ event: string, data: any }> = []
  let text = ''
  res.setEncoding('utf8').on('data', (part: string) => {
    text += part
    const blocks = text.split('\n\n')
    text = blocks.pop() ?? ''
    for (const block of blocks) {
      const [event, data] = block.split('\n').map(line => line.slice(line.indexOf(': ') + 2))
      events.push({ event, data: JSON.parse(data) })
    }
  })
  return { res, events }
}

describe('web UI event stream', () => {
  let downloads: Downloads
  let live: LiveEvents
  let server: Server
  let port: number
  /** the server's side of each stream, in the order clients connected */
  let streams: ServerResponse[]

  beforeEach(async () => {
    downloads = new Downloads()
    live = new LiveEvents({ transfers: downloads })
    streams = []
    server = createServer((_req, res) => {
      streams.push(res)
      try {
        live.open(res)
      } catch (err: any) {
        res.writeHead(err instanceof HttpError ? err.status : 500).end(err.code)
      }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterEach(async () => {
    live.close()
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })

  it('sends the downloads on connect, then each download\'s latest progress, coalesced; state changes at once', async () => {
    const { events } = await listen(port)
    await until(() => events.length === 1, 'the list')
    assert.deepEqual(events[0], { event: 'transfers', data: { transfers: [progress('a', 0)] } })
    for (let done = 1; done <= 100; done++) downloads.emit(progress('a', done))
    await until(() => events.length === 2, 'the coalesced report')
    assert.equal(events[1].data.bytesDone, 100)
    downloads.emit(progress('a', 100, 'paused'))
    await until(() => events.length === 3, 'the pause')
    assert.equal(events[2].data.state, 'paused')
    downloads.emit(progress('a', 1000, 'completed'))
    await until(() => events.length === 5, 'completion and a files event')
    assert.deepEqual(events.slice(3).map(e => e.event), ['transfer', 'files'])
  })

  it('listens to the downloads only while a client is connected', async () => {
    assert.equal(downloads.listeners.size, 0)
    const first = await listen(port)
    const second = await listen(port)
    await until(() => first.events.length === 1 && second.events.length === 1, 'both lists')
    assert.equal(downloads.listeners.size, 1)
    first.res.destroy()
    live.filesChanged()
    await until(() => second.events.length === 2, 'the files event')
    assert.equal(downloads.listeners.size, 1)
    second.res.destroy()
    await until(() => downloads.listeners.size === 0, 'the last client to go')
  })

  it(`refuses more than ${MAX_EVENT_CLIENTS} streams at once`, async () => {
    const clients = await Promise.all(Array.from({ length: MAX_EVENT_CLIENTS }, async () => listen(port)))
    await until(() => clients.every(c => c.events.length === 1), 'every list')
    const refused = await new Promise<IncomingMessage>((resolve, reject) => { get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject) })
    assert.equal(refused.statusCode, 503)
    refused.resume()
  })

  it(`drops a client that leaves more than ${MAX_BUFFERED_BYTES} bytes unread; others go on`, async () => {
    const slow = await listen(port)
    const fast = await listen(port)
    await until(() => slow.events.length === 1 && fast.events.length === 1, 'both lists')
    slow.res.pause()
    const closed = (): boolean => streams[0].destroyed
    const name = 'x'.repeat(16 * 1024)
    // paused reports go out at once, about 16 KiB each, 128 KiB a turn (the reading client keeps up); the slow one's socket buffers fill, then its writer's
    for (let i = 0; !closed(); i++) {
      assert.ok(i < 20_000, 'the slow client was dropped')
      downloads.emit(progress(`f${i % 64}`, i, 'paused', name))
      if (i % 8 === 0) await new Promise(resolve => setTimeout(resolve, 1))
    }
    assert.equal(streams[1].destroyed, false)
    const before = fast.events.length
    live.filesChanged()
    await until(() => fast.events.length > before && fast.events.at(-1)?.event === 'files', 'the fast client to go on')
  })

  it('a stream of a session that expired (or was pushed out) ends at its next event; one of a live session goes on', async () => {
    const valid = new Set(['live-session', 'expiring-session'])
    const sessions = new LiveEvents({ transfers: downloads }, session => valid.has(session))
    const bySession = createServer((req, res) => { sessions.open(res, req.url?.slice(1)) })
    await new Promise<void>(resolve => bySession.listen(0, '127.0.0.1', resolve))
    try {
      const port = (bySession.address() as AddressInfo).port
      const get1 = async (path: string): Promise<IncomingMessage> => new Promise((resolve, reject) => { get({ host: '127.0.0.1', port, path }, resolve).on('error', reject) })
      const [live, expiring] = await Promise.all([get1('/live-session'), get1('/expiring-session')])
      let ended = false
      expiring.on('close', () => { ended = true }).resume()
      live.resume()
      valid.delete('expiring-session')
      sessions.filesChanged()
      await until(() => ended, 'the expired session\'s stream to end')
      assert.equal(live.destroyed, false, 'the live session\'s stream goes on')
    } finally {
      sessions.close()
      bySession.closeAllConnections()
      await new Promise(resolve => bySession.close(resolve))
    }
  })
})
