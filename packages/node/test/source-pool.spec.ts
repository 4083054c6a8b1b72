import assert from 'node:assert/strict'
import { logger } from '@libp2p/logger'
import { FileNotFoundError, PeerMisbehavedError, PeerUnreachableError, SourceBusyError } from '../src/errors.js'
import { MAX_FAILED, type PoolHost, SourcePool, type SourcePoolInit } from '../src/download/source-pool.js'
import { DEFAULTS } from '../src/config.js'
import { ChunkPicker } from '../src/download/chunk-picker.js'
import { INITIAL_DEPTH } from '../src/download/source-pace.js'
import { type FirstAskHost, FirstAsks } from '../src/download/first-ask.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { Bitfield } from '@peershare/protocol'
import { until } from './fixtures.js'

const FILE_ID = 'bahijzqabciqgxvfnqr55zz6iwt3dezmejknvbdiw5nwakkyrn6havo7t5yaaieq'
const PEER = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'

/** A pool for `host` finding sources through `finder` */
function testPool (host: PoolHost, finder: SourcePoolInit['finder'], remembered: string[], settings = DEFAULTS.transfer): SourcePool {
  return new SourcePool({ host, settings, log: logger('peershare:test'), remembered, rememberedChanged: () => {}, finder })
}

/** A pool whose peers all answer with `failure` (a typed error as a real session gives), and a DHT that names `providers` */
function poolFailingWith (failure: Error | undefined, remembered: string[], providers: string[] = [], more: { openConnections?: () => number, maxSources?: number } = {}): { pool: SourcePool, attempts: () => number } {
  let attempts = 0
  // the download before its manifest: no worker ever runs here, so the host needs no content
  const host = { fileId: FILE_ID, name: 'f', running: true, ready: false, signal: new AbortController().signal } as unknown as PoolHost
  const pool = testPool(host, {
    open: async () => {
      attempts++
      throw failure ?? new Error('unreachable')
    },
    providers: async function * () { yield * providers },
    ...(more.openConnections == null ? {} : { openConnections: more.openConnections })
  }, remembered, { ...DEFAULTS.transfer, ...(more.maxSources == null ? {} : { maxSources: more.maxSources }) })
  return { pool, attempts: () => attempts }
}

describe('SourcePool: why a download is stalled', () => {
  const signal = new AbortController().signal

  it('no-providers when nobody is known', async () => {
    const { pool } = poolFailingWith(undefined, [])
    await pool.find(signal)
    assert.equal(pool.stalled(), true)
    assert.equal(pool.stall().reason, 'no-providers')
  })

  it('no-peers when nobody is known and the node is connected to nobody; no-providers once it has a peer', async () => {
    let connected = 0
    const { pool } = poolFailingWith(undefined, [], [], { openConnections: () => connected })
    await pool.find(signal)
    assert.equal(pool.stall().reason, 'no-peers')
    assert.match(pool.stall().message, /^connected to no peer/)
    connected = 1
    assert.equal(pool.stall().reason, 'no-providers')
  })

  it(`remembers at most MAX_FAILED (${MAX_FAILED}) banned peers, forgetting the one banned longest ago`, async () => {
    // made-up providers, every one lying: what a hostile DHT answer can name
    const liars = Array.from({ length: MAX_FAILED + 10 }, (_, i) => `${PEER.slice(0, -6)}${String(i).padStart(6, '0')}`)
    const { pool, attempts } = poolFailingWith(new PeerMisbehavedError('lies'), [], liars, { maxSources: liars.length })
    await pool.find(signal)
    await until(() => attempts() === liars.length && pool.stalled(), 30_000)
    assert.equal(pool.bannedPeers.length, MAX_FAILED)
    assert.deepEqual(pool.bannedPeers, liars.slice(10))
  })

  for (const [failure, reason] of [
    [new PeerUnreachableError('connection refused'), 'providers-unreachable'],
    [new SourceBusyError('busy'), 'paused-by-sources'],
    [new FileNotFoundError('does not have the file'), 'no-providers'],
    [new PeerMisbehavedError('manifest does not match'), 'all-banned']
  ] as const) {
    it(`${reason} when every peer answers ${failure.name}`, async () => {
      const { pool, attempts } = poolFailingWith(failure, [], [PEER])
      await pool.find(signal)
      await until(() => attempts() === 1 && pool.stalled())
      assert.equal(pool.stall().reason, reason)
      if (reason === 'all-banned') assert.deepEqual(pool.bannedPeers, [PEER])
    })
  }

  it('asks a failed peer again only when stalled (retryFailed), never a banned one', async () => {
    const unreachable = poolFailingWith(new PeerUnreachableError('refused'), [PEER])
    await unreachable.pool.find(signal)
    await until(() => unreachable.attempts() === 1 && unreachable.pool.stalled())
    await unreachable.pool.find(signal)
    assert.equal(unreachable.attempts(), 1, 'not before sourceRefreshInterval while running')
    await unreachable.pool.find(signal, true)
    await until(() => unreachable.attempts() === 2)
    const banned = poolFailingWith(new PeerMisbehavedError('lies'), [PEER])
    await banned.pool.find(signal)
    await until(() => banned.attempts() === 1 && banned.pool.stalled())
    await banned.pool.find(signal, true)
    assert.equal(banned.attempts(), 1)
  })
})

describe('SourcePool: the first DHT lookup', () => {
  it('waits while the known peers are being opened, and runs at once when they all fail', async () => {
    let lookups = 0
    const opens: Array<PromiseWithResolvers<never>> = []
    const host = { fileId: FILE_ID, name: 'f', running: true, ready: false, signal: new AbortController().signal } as unknown as PoolHost
    const pool = testPool(host, {
      open: async () => {
        const open = Promise.withResolvers<never>()
        opens.push(open)
        return open.promise
      },
      // a lookup that finds nobody
      providers: async function * () { lookups++; yield * [] }
    }, [PEER])
    const signal = new AbortController().signal
    await pool.find(signal)
    assert.equal(opens.length, 1, 'the known peer is being opened')
    assert.equal(lookups, 0, 'no lookup while it is')
    // the next look, the known peer still opening: still none
    await pool.find(signal)
    assert.equal(lookups, 0)
    opens[0].reject(new PeerUnreachableError('refused'))
    await until(() => lookups === 1)
    assert.equal(pool.stalled(), true)
  })

  it('runs at once when no peer is known', async () => {
    const { pool, attempts } = poolFailingWith(undefined, [], [PEER])
    await pool.find(new AbortController().signal)
    // the provider the lookup named was tried
    await until(() => attempts() === 1)
  })

  it('given a lookup signal of its own, outlives the download: walks to its end, opening nobody once the download ended; the lookup put off for the known peers gets it too', async () => {
    const OTHER = '12D3KooWGRUVh2GRUAUMDdUVRv8dsdZ8AHqw8pR5AZD4mYTKJ9hd'
    const opened: string[] = []
    const lookupSignals: AbortSignal[] = []
    const gate = Promise.withResolvers<void>()
    let walkedToTheEnd = false
    const host = { fileId: FILE_ID, name: 'f', running: true, ready: false } as unknown as PoolHost
    const pool = testPool(host, {
      open: async (target) => {
        opened.push(target)
        throw new PeerUnreachableError('refused')
      },
      // names one provider, then walks on until the gate opens, then names another
      providers: async function * (_fileId, signal) {
        lookupSignals.push(signal)
        yield PEER
        await gate.promise
        yield OTHER
        walkedToTheEnd = true
      }
    }, [])
    const download = new AbortController()
    const lookups = new AbortController()
    const found = pool.find(download.signal, false, lookups.signal)
    await until(() => opened.includes(PEER))
    // the download ends (complete): its lookup goes on
    download.abort()
    gate.resolve()
    await found
    assert.equal(walkedToTheEnd, true)
    assert.equal(lookupSignals[0], lookups.signal)
    assert.deepEqual(opened, [PEER], 'nobody opened after the download ended')

    // a known peer that fails: the lookup put off for it runs with the lookup signal as well
    const putOff: AbortSignal[] = []
    const known = testPool(host, {
      open: async () => { throw new PeerUnreachableError('refused') },
      providers: async function * (_fileId, signal) { putOff.push(signal); yield * [] }
    }, [PEER])
    const ownLookups = new AbortController()
    await known.find(new AbortController().signal, false, ownLookups.signal)
    await until(() => putOff.length === 1)
    assert.equal(putOff[0], ownLookups.signal)
  })
})

describe('SourcePool: chunks asked for with the Want', () => {
  const OTHER = '12D3KooWGRUVh2GRUAUMDdUVRv8dsdZ8AHqw8pR5AZD4mYTKJ9hd'

  /** A download that knows its manifest (8 chunks); every open asks for its first chunks, then fails with `failure` */
  function readyPool (failure: Error): { pool: SourcePool, picker: ChunkPicker, claimed: number[][] } {
    const count = 8
    const picker = new ChunkPicker(count, new Bitfield(count))
    const manifest = { size: count * 1024, chunkSize: 1024, chunkHashes: Array.from({ length: count }, () => new Uint8Array(32)) }
    const host = { fileId: FILE_ID, name: 'f', running: true, ready: true, picker, manifest, priority: 'normal', signal: new AbortController().signal, takeDownload: async () => {} } as unknown as PoolHost
    const claimed: number[][] = []
    const pool = testPool(host, {
      open: async (target, _ref, _signal, first) => {
        const asked = await first?.(peerIdFromString(target))
        claimed.push(asked?.chunks ?? [])
        throw failure
      },
      providers: async function * () {}
    }, [PEER])
    return { pool, picker, claimed }
  }

  it(`claims ${INITIAL_DEPTH} chunks for a source's Want, and lets them go when its session does not open`, async () => {
    const { pool, picker, claimed } = readyPool(new PeerUnreachableError('refused'))
    await pool.find(new AbortController().signal, false)
    await until(() => pool.stalled())
    assert.deepEqual(claimed, [[0, 1, 2, 3]])
    assert.equal(picker.inFlight(PEER), 0, 'released')
    // nothing is left claimed: another source is given the same chunks
    picker.addSource(OTHER, Bitfield.full(8))
    assert.equal(picker.next(OTHER), 0)
  })
})

describe('FirstAsks: chunks asked for blind, before the manifest is known', () => {
  const PEERS = [PEER, '12D3KooWGRUVh2GRUAUMDdUVRv8dsdZ8AHqw8pR5AZD4mYTKJ9hd', '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK']
  const run = (k: number): number[] => Array.from({ length: INITIAL_DEPTH }, (_, i) => k * INITIAL_DEPTH + i)

  it('gives every source opened before the manifest a run of its own, so each sends from its Want on', async () => {
    const claimed: number[][] = []
    const host = { fileId: FILE_ID, name: 'f', running: true, ready: false, priority: 'normal', signal: new AbortController().signal } as unknown as PoolHost
    const pool = new SourcePool({
      host,
      settings: DEFAULTS.transfer,
      log: logger('peershare:test'),
      remembered: PEERS,
      rememberedChanged: () => {},
      finder: {
        open: async (target, _ref, _signal, first) => {
          claimed.push((await first?.(peerIdFromString(target)))?.chunks ?? [])
          throw new PeerUnreachableError('refused')
        },
        providers: async function * () {}
      }
    })
    await pool.find(new AbortController().signal, false)
    await until(() => claimed.length === 3 && pool.stalled())
    assert.deepEqual(claimed.sort((a, b) => a[0] - b[0]), [run(0), run(1), run(2)])
    // their sessions failed: the runs are free again, and the next source asks for the first
    await pool.find(new AbortController().signal, true)
    await until(() => claimed.length === 6 && pool.stalled())
    assert.deepEqual(claimed.slice(3).sort((a, b) => a[0] - b[0]), [run(0), run(1), run(2)])
  })

  it('claims the runs in the picker once the manifest is in: a source starting first is not given another\'s run', () => {
    const count = 10
    const host = { running: true, ready: false, priority: 'normal' } as { running: boolean, ready: boolean, priority: 'normal', picker?: ChunkPicker, manifest?: unknown }
    const asks = new FirstAsks(host as unknown as FirstAskHost)
    assert.deepEqual(asks.claim(PEERS[0])?.chunks, run(0))
    assert.deepEqual(asks.claim(PEERS[1])?.chunks, run(1))
    assert.deepEqual(asks.claim(PEERS[2])?.chunks, run(2))
    asks.release(PEERS[2])
    Object.assign(host, { ready: true, picker: new ChunkPicker(count, new Bitfield(count)), manifest: { chunkHashes: Array.from({ length: count }, () => new Uint8Array(32)) } })
    asks.claimBlindRuns()
    const picker = host.picker as ChunkPicker
    assert.equal(picker.inFlight(PEERS[1]), INITIAL_DEPTH)
    picker.addSource(PEERS[2], Bitfield.full(count))
    // chunks 0 to 7 are queued at the first two providers; 8 and 9 (the released run) are free
    assert.deepEqual([picker.next(PEERS[2]), picker.next(PEERS[2])], [8, 9])
  })
})
