import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { LookSchedule, stallRetryDelay } from '../src/download/look-schedule.js'
import { FakeClock } from './fake-clock.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** A TCP port on 127.0.0.1 that nothing listens on (yet) */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('stalled downloads', function () {
  this.timeout(120_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map(async n => n.stop()))
    await dir.cleanup()
  })

  it('look again after 2, 4, 8 … s, never longer than the cap', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map(n => stallRetryDelay(n, 60_000)), [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
    assert.equal(stallRetryDelay(0, 1000), 1000)
  })

  it('a stalled download looks with a capped backoff, at once when a peer connects, and afresh once a source delivers', async () => {
    const clock = new FakeClock()
    const schedule = new LookSchedule({ sourceRefreshInterval: 15_000, stallRetryMax: 10_000 }, () => clock.now())
    /** ms from now until the next look is due, stepping the clock by 100 ms */
    const untilDue = async (): Promise<number> => {
      const from = clock.now()
      while (!schedule.due()) await clock.advance(100)
      return clock.now() - from
    }
    assert.equal(await untilDue(), 0, 'the first look comes at once')
    assert.equal(schedule.update(false, true), true, 'nothing delivers nor is being opened: stalled')
    assert.equal(schedule.stalled, true)
    const waits: number[] = []
    for (let i = 0; i < 5; i++) waits.push(await untilDue())
    assert.deepEqual(waits, [2000, 4000, 8000, 10_000, 10_000])
    assert.equal(schedule.secondsToNextLook(), 10)
    await clock.advance(3000)
    schedule.wake()
    assert.equal(schedule.due(), true, 'a peer connecting makes it look now')
    assert.equal(schedule.update(true, false), true, 'a source delivers: no longer stalled')
    assert.equal(schedule.stalled, false)
    schedule.update(false, true)
    assert.equal(await untilDue(), 2000, 'a new stall starts the backoff afresh')
  })

  it('waits while the only source is offline (unreachable, rate 0) and completes when it comes back', async () => {
    const port = await freePort()
    const listen = [`/ip4/127.0.0.1/tcp/${port}`]
    const sharerRepo = join(dir.path, 'sharer')
    let sharer = await startTestNode(sharerRepo, { listen })
    const src = await randomFile(dir.path, 'src.bin', 3 * 1024 * 1024 + 7)
    const shared = await sharer.share(src)
    const address = multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${sharer.peerId.toString()}`)
    await sharer.stop()

    const getter = await startTestNode(join(dir.path, 'getter'), { transfer: { stallRetryMax: 2000 } })
    nodes.push(getter)
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(shared.fileId, { from: address, output: out })
    await until(() => transfer.progress().state === 'stalled' && transfer.progress().stallReason === 'providers-unreachable', 30_000)
    const stalled = transfer.progress()
    assert.equal(stalled.rate, 0)
    assert.equal(stalled.eta, null)
    assert.equal(stalled.bytesTotal, null, 'no source gave the manifest yet')
    assert.match(stalled.stallMessage ?? '', /^providers unreachable/)
    assert.equal(typeof stalled.nextLookIn, 'number')

    sharer = await startTestNode(sharerRepo, { listen })
    nodes.push(sharer)
    const got = await transfer.done()
    assert.equal(got.fileId, shared.fileId)
    assert.equal(await sha256File(out), await sha256File(src))
  })

  it('a node connected to nobody says so (not "no providers"), and downloads once it connects to a peer that has the file', async () => {
    const sharer = await startTestNode(join(dir.path, 'sharer'))
    nodes.push(sharer)
    const src = await randomFile(dir.path, 'alone.bin', 2 * 1024 * 1024 + 3)
    const shared = await sharer.share(src)
    // no bootstrap peer and no mDNS: as a newcomer whose only bootstrap peer is down
    const getter = await startTestNode(join(dir.path, 'getter'), { transfer: { stallRetryMax: 2000 } })
    nodes.push(getter)
    const out = join(dir.path, 'alone.out')
    const transfer = await getter.download(shared.fileId, { output: out })
    await until(() => transfer.progress().state === 'stalled', 30_000)
    const stalled = transfer.progress()
    assert.equal(stalled.stallReason, 'no-peers', JSON.stringify(stalled))
    assert.match(stalled.stallMessage ?? '', /^connected to no peer.*swarm connect/)

    await getter.libp2p.dial(sharer.addresses[0])
    await transfer.done()
    assert.equal(await sha256File(out), await sha256File(src))
  })

  it('waits, paused by every source, while its only source is busy, and goes on when it has room', async () => {
    // one session at a time, served slowly: a first downloader holds it
    const sharer = await startTestNode(join(dir.path, 'sharer'), { exchange: { maxSessions: 1 }, limits: { upload: 256 * 1024 } })
    nodes.push(sharer)
    const src = await randomFile(dir.path, 'busy.bin', 2 * 1024 * 1024 + 5)
    const shared = await sharer.share(src)
    const first = await startTestNode(join(dir.path, 'first'))
    const second = await startTestNode(join(dir.path, 'second'), { transfer: { stallRetryMax: 2000 } })
    nodes.push(first, second)
    const holder = await first.download(shared.fileId, { from: sharer.addresses[0], output: join(dir.path, 'first.bin') })
    await until(() => holder.progress().bytesDone > 0, 30_000)

    const waiting = await second.download(shared.fileId, { from: sharer.addresses[0], output: join(dir.path, 'second.bin') })
    await until(() => waiting.progress().stallReason === 'paused-by-sources', 30_000)
    assert.equal(waiting.progress().state, 'stalled')

    await first.transfers.cancel(shared.fileId)
    sharer.bandwidth.setLimits({ upload: 0 })
    await waiting.done()
    assert.equal(await sha256File(join(dir.path, 'second.bin')), await sha256File(src))
  })
})
