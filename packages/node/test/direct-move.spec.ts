import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Bitfield, type Manifest } from '@peershare/protocol'
import { DEFAULTS } from '../src/config.js'
import { ChunkPicker } from '../src/download/chunk-picker.js'
import { type PoolHost, SourcePool } from '../src/download/source-pool.js'
import { PeerUnreachableError, RelayLimitedError } from '../src/errors.js'
import type { FetchSession, SessionEvent } from '../src/exchange/fetch-session.js'
import { DIRECT, type Route } from '../src/reachability/route.js'
import { until } from './fixtures.js'

const PEER = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'
const RELAY = '12D3KooWNrKndcGZ9MM2K2KFDHPEfhTJR5wVT672Tnpem2n1pqgc'
const CHUNKS = 4
const CHUNK = 16 * 1024
const DIRECT_CONNECTION = { remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`) }
const RELAYED_CONNECTION = { remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), limits: { bytes: 131072n } }

/** A chunk of the test file: zeros, as the manifest below says */
const ZEROS = new Uint8Array(CHUNK)

type FakeSession = FetchSession & {
  requested: number[]
  aborted: boolean
  /** sends the next chunk asked for */
  deliver(): void
  /** its connection closes: reads fail as a real session's do (fetch-session.ts readFrame) */
  breakOff(): void
}

/** A source that takes requests and answers only when told (a slow relayed peer), recording what the worker did with it */
function quietSession (route: Route): FakeSession {
  const have = new Bitfield(CHUNKS)
  for (let i = 0; i < CHUNKS; i++) have.set(i)
  let fail: ((err: Error) => void) | undefined
  let answer: ((event: SessionEvent) => void) | undefined
  let sent = 0
  /** chunks sent before the worker read again */
  const queued: SessionEvent[] = []
  const session = {
    peer: peerIdFromString(PEER),
    route,
    have,
    wire: { wireBytes: 0, contentBytes: 0, compressedChunks: 0, parts: 0 },
    requested: [] as number[],
    aborted: false,
    async request (chunks: number[]) { session.requested.push(...chunks) },
    async cancel () {},
    async complete () {},
    // as a real session's stream: once aborted, every read fails
    nextEvent: async () => new Promise((resolve, reject) => {
      if (session.aborted) reject(new Error('aborted'))
      else if (queued.length > 0) resolve(queued.shift() as SessionEvent)
      else {
        fail = reject
        answer = resolve
      }
    }),
    abort (err: Error) {
      session.aborted = true
      fail?.(err)
    },
    deliver () {
      const event: SessionEvent = { type: 'chunk', index: session.requested[sent++], data: ZEROS, wireBytes: CHUNK }
      if (answer == null) queued.push(event)
      else answer(event)
      answer = undefined
    },
    breakOff () { session.abort(new PeerUnreachableError(`Peer ${PEER} broke off the session: Cannot write to a stream that is closed`)) }
  }
  return session as unknown as FakeSession
}

/** A download's source pool; `next` is what opening the peer gives (or does) */
function download (connections: () => Array<typeof DIRECT_CONNECTION>, next: FetchSession | (() => Promise<FetchSession>)) {
  const controller = new AbortController()
  let accepted = 0
  const manifest = { size: CHUNKS * CHUNK, chunkSize: CHUNK, chunkHashes: Array.from({ length: CHUNKS }, () => createHash('sha256').update(ZEROS).digest()) } as unknown as Manifest
  const host = {
    fileId: 'bahijzqabciqgxvfnqr55zz6iwt3dezmejknvbdiw5nwakkyrn6havo7t5yaaieq', name: 'f', running: true, ready: true, priority: 'normal', signal: controller.signal, manifest,
    picker: new ChunkPicker(CHUNKS, new Bitfield(CHUNKS)),
    isDone: () => false,
    takeDownload: async () => {},
    accept: async () => { accepted++ },
    cancelElsewhere: () => {},
    strike: () => false,
    adopt: async () => {}
  } as unknown as PoolHost
  let opened = 0
  const pool = new SourcePool({
    host,
    settings: DEFAULTS.transfer,
    log: logger('peershare:test'),
    remembered: [],
    rememberedChanged: () => {},
    finder: {
      open: async () => {
        opened++
        return typeof next === 'function' ? await next() : next
      },
      providers: async function * () {},
      connections
    }
  })
  return { pool, opened: () => opened, accepted: () => accepted, signal: controller.signal, stop: () => { controller.abort() } }
}

describe('a source fetched through a relay moves to a direct connection', () => {
  it('when the direct connection opens while it runs', async () => {
    const relayed = quietSession({ via: 'relayed (limited)', limits: '131072 bytes' })
    const direct = quietSession(DIRECT)
    const { pool, opened, stop } = download(() => [], direct)
    try {
      await pool.add(relayed)
      await until(() => relayed.requested.length > 0)
      pool.connectionOpened(PEER, RELAYED_CONNECTION)
      assert.equal(pool.via(PEER), 'relayed (limited)', 'another relayed connection changes nothing')
      pool.connectionOpened(PEER, DIRECT_CONNECTION)
      await until(() => pool.via(PEER) === 'direct')
      assert.equal(relayed.aborted, true, 'the relayed session is closed')
      assert.equal(opened(), 1, 'the peer is opened again (libp2p dials the direct connection)')
      // its requests were released, not lost: the direct session asks for them again
      await until(() => direct.requested.length > 0)
      assert.equal(pool.stalled(), false)
    } finally {
      stop()
    }
  })

  it('when the direct connection opened while the relayed session was being set up', async () => {
    const relayed = quietSession({ via: 'relayed (limited)', limits: '131072 bytes' })
    const direct = quietSession(DIRECT)
    const { pool, opened, stop } = download(() => [RELAYED_CONNECTION, DIRECT_CONNECTION], direct)
    try {
      await pool.add(relayed)
      await until(() => pool.via(PEER) === 'direct')
      assert.equal(opened(), 1)
    } finally {
      stop()
    }
  })

  it('a direct source stays where it is', async () => {
    const direct = quietSession(DIRECT)
    const { pool, opened, stop } = download(() => [DIRECT_CONNECTION], quietSession(DIRECT))
    try {
      await pool.add(direct)
      pool.connectionOpened(PEER, DIRECT_CONNECTION)
      await until(() => direct.requested.length > 0)
      assert.equal(pool.via(PEER), 'direct')
      assert.equal(direct.aborted, false)
      assert.equal(opened(), 0)
    } finally {
      stop()
    }
  })

  it('when its relayed connection closes before the direct connection is seen (DCUtR closes it once it has the direct one)', async () => {
    const relayed = quietSession({ via: 'relayed (limited)', limits: '131072 bytes' })
    const direct = quietSession(DIRECT)
    let connections: Array<typeof DIRECT_CONNECTION> = []
    const { pool, opened, stop } = download(() => connections, direct)
    try {
      await pool.add(relayed)
      await until(() => relayed.requested.length > 0)
      // the direct connection is open, but its connection:open has not reached the download yet
      connections = [DIRECT_CONNECTION]
      relayed.breakOff()
      await until(() => pool.via(PEER) === 'direct')
      assert.equal(opened(), 1, 'opened again at once, not at the next look')
      assert.deepEqual(pool.bannedPeers, [])
      await until(() => direct.requested.length > 0)
    } finally {
      stop()
    }
  })

  it('when the direct connection opens just after its relayed connection closed', async () => {
    const relayed = quietSession({ via: 'relayed (limited)', limits: '131072 bytes' })
    const direct = quietSession(DIRECT)
    const { pool, opened, stop } = download(() => [], direct)
    try {
      await pool.add(relayed)
      await until(() => relayed.requested.length > 0)
      relayed.breakOff()
      await until(() => pool.active === 0)
      // a relay that closed a limited connection at its caps is not dialled around
      assert.equal(opened(), 0, 'no connection to go to yet')
      assert.equal(pool.stall().reason, 'relay-limited')
      pool.connectionOpened(PEER, RELAYED_CONNECTION)
      assert.equal(opened(), 0, 'another relayed connection changes nothing')
      pool.connectionOpened(PEER, DIRECT_CONNECTION)
      await until(() => pool.via(PEER) === 'direct')
      assert.equal(opened(), 1)
      assert.deepEqual(pool.bannedPeers, [])
    } finally {
      stop()
    }
  })
  it('when a session being opened through the relay fails as DCUtR closes the relayed connection', async () => {
    const direct = quietSession(DIRECT)
    const opens = [
      async () => { throw new RelayLimitedError('relayed (limited): the relay closed the connection') },
      async () => direct
    ]
    const { pool, opened, signal, stop } = download(() => [RELAYED_CONNECTION, DIRECT_CONNECTION], async () => await (opens.shift() as () => Promise<FetchSession>)())
    try {
      pool.suggest([PEER], signal)
      await until(() => pool.via(PEER) === 'direct')
      assert.equal(opened(), 2, 'opened again at once, on the direct connection')
    } finally {
      stop()
    }
  })
})

describe('a source being opened when its connection is lost', () => {
  it('is tried again at once when a direct connection to it is open, once: then it waits for the next look', async () => {
    const unreachable = async (): Promise<FetchSession> => { throw new PeerUnreachableError(`Cannot reach peer ${PEER}: the connection closed`) }
    const { pool, opened, signal, stop } = download(() => [DIRECT_CONNECTION], unreachable)
    try {
      pool.suggest([PEER], signal)
      await until(() => opened() === 2 && pool.stalled())
      assert.equal(opened(), 2, 'one retry at once, not a loop')
      assert.equal(pool.stall().reason, 'providers-unreachable')
    } finally {
      stop()
    }
  })
})

describe('a source whose direct connection closes', () => {
  it('is dialled again at once when it had delivered', async () => {
    const first = quietSession(DIRECT)
    const next = quietSession(DIRECT)
    const { pool, opened, accepted, stop } = download(() => [], next)
    try {
      await pool.add(first)
      await until(() => first.requested.length > 0)
      first.deliver()
      await until(() => accepted() === 1)
      first.breakOff()
      await until(() => opened() === 1)
      // the chunks it had in flight were released: the new session asks for them
      await until(() => next.requested.length > 0)
      assert.equal(pool.has(PEER), true)
      assert.equal(pool.stalled(), false)
    } finally {
      stop()
    }
  })

  it('waits for the next look when it had delivered nothing (a peer whose sessions keep breaking is not redialled in a loop)', async () => {
    const first = quietSession(DIRECT)
    const { pool, opened, stop } = download(() => [], quietSession(DIRECT))
    try {
      await pool.add(first)
      await until(() => first.requested.length > 0)
      first.breakOff()
      await until(() => pool.active === 0)
      assert.equal(opened(), 0)
      assert.equal(pool.stall().reason, 'providers-unreachable')
    } finally {
      stop()
    }
  })
})
