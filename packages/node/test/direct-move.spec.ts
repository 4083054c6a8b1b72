import assert from 'node:assert/strict'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Bitfield, type Manifest } from '@peershare/protocol'
import { DEFAULTS } from '../src/config.js'
import { ChunkPicker } from '../src/download/chunk-picker.js'
import { type PoolHost, SourcePool } from '../src/download/source-pool.js'
import type { FetchSession } from '../src/exchange/fetch-session.js'
import { DIRECT, type Route } from '../src/reachability/route.js'
import { until } from './fixtures.js'

const PEER = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'
const RELAY = '12D3KooWNrKndcGZ9MM2K2KFDHPEfhTJR5wVT672Tnpem2n1pqgc'
const CHUNKS = 4
const CHUNK = 16 * 1024
const DIRECT_CONNECTION = { remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`) }
const RELAYED_CONNECTION = { remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), limits: { bytes: 131072n } }

/** A source that takes requests and never answers (a slow relayed peer), recording what the worker did with it */
function quietSession (route: Route): FetchSession & { requested: number[], aborted: boolean } {
  const have = new Bitfield(CHUNKS)
  for (let i = 0; i < CHUNKS; i++) have.set(i)
  let fail: ((err: Error) => void) | undefined
  const session = {
    peer: peerIdFromString(PEER),
    route,
    have,
    wire: { wireBytes: 0, contentBytes: 0, compressedChunks: 0 },
    requested: [] as number[],
    aborted: false,
    async request (chunks: number[]) { session.requested.push(...chunks) },
    async cancel () {},
    async complete () {},
    // as a real session's stream: once aborted, every read fails
    nextEvent: async () => new Promise((_resolve, reject) => { if (session.aborted) reject(new Error('aborted')); else fail = reject }),
    abort (err: Error) {
      session.aborted = true
      fail?.(err)
    }
  }
  return session as unknown as FetchSession & { requested: number[], aborted: boolean }
}

function download (connections: () => Array<typeof DIRECT_CONNECTION>, next: FetchSession) {
  const controller = new AbortController()
  const manifest = { size: CHUNKS * CHUNK, chunkSize: CHUNK, chunkHashes: Array.from({ length: CHUNKS }, () => new Uint8Array(32)) } as unknown as Manifest
  const host = {
    fileId: 'bahijzqabciqgxvfnqr55zz6iwt3dezmejknvbdiw5nwakkyrn6havo7t5yaaieq', name: 'f', running: true, ready: true, priority: 'normal', signal: controller.signal, manifest,
    picker: new ChunkPicker(CHUNKS, new Bitfield(CHUNKS)),
    isDone: () => false,
    takeDownload: async () => {},
    accept: async () => {},
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
      open: async () => { opened++; return next },
      providers: async function * () {},
      connections
    }
  })
  return { pool, opened: () => opened, stop: () => { controller.abort() } }
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
})
