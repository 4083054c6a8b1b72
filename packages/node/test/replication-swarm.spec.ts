/**
 * Replication in a swarm of 20 real nodes on 127.0.0.1 (loopback TCP), timers
 * shortened through config: a file kept at 3:5 reaches 3 live holders; the sharer and
 * then a holder stop; a new node still fetches it byte for byte; the count is back to
 * 3 within the repair time; 10 joining nodes move no replica; never more than 5 hold it.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const SWARM_SIZE = 20
const BOOTSTRAP_PEERS = 3
// the loss grace outlasts the stalls of 30 nodes in one busy process (adding 10 joiners starves every check for tens of seconds)
const TIMERS = { repairInterval: 1_000, jitter: 0.2, lossGrace: 30_000, surplusGrace: 600_000, probeTimeout: 5_000 }
const REPAIR_TIME = TIMERS.lossGrace + 2 * TIMERS.repairInterval + 60_000

describe(`replication in a swarm of ${SWARM_SIZE} nodes`, function () {
  // a wait bound, not a target: placement, a repair after lossGrace, a newcomer and 10 joiners, 30 nodes in one busy process
  this.timeout(600_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  /**
   * A node joining by the first few running nodes, as a user's config lists several
   * bootstrap peers: the sharer and a holder stop mid-test, and n0 may be that holder
   * (a newcomer whose only bootstrap peer is gone reaches nobody)
   */
  async function addNode (name: string, init: NodeInit = {}): Promise<PeershareNode> {
    const bootstrap = running().slice(0, BOOTSTRAP_PEERS).map(dialAddress)
    const node = await startTestNode(join(dir.path, name), {
      ...(bootstrap.length > 0 ? { bootstrap } : {}),
      lookupTimeout: 5_000,
      replication: { quota: '64MiB', acceptsFrom: 'anyone', onePerSubnet: false, ...TIMERS },
      ...init
    })
    nodes.push(node)
    return node
  }

  const running = (): PeershareNode[] => nodes.filter(n => n.libp2p.status === 'started')
  /** the nodes holding a replica of the file now (their store says so) */
  const holdersOf = async (fileId: string): Promise<string[]> => {
    const held = await Promise.all(running().map(async n => (await n.store.getRecord(fileId))?.replica != null ? n.peerId.toString() : undefined))
    return held.filter((p): p is string => p != null)
  }

  before(async () => {
    dir = await tempDir()
    for (let i = 0; i < SWARM_SIZE; i++) await addNode(`n${i}`)
    await until(() => nodes.every(n => (n.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0) >= 3), 60_000)
  })
  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  // where the test is, printed with the nodes' state while a step runs long: a hang names its step
  let step = 'start'
  let watchdog: NodeJS.Timeout | undefined
  beforeEach(() => {
    const began = Date.now()
    watchdog = setInterval(() => {
      const downloads = nodes.filter(n => n.libp2p.status === 'started').flatMap(n => n.transfers.list().map(t => ({ node: n.peerId.toString().slice(-6), ...t })))
      console.error(`[swarm] ${Math.round((Date.now() - began) / 1000)} s, step: ${step}; downloads: ${JSON.stringify(downloads)}`)
    }, 60_000)
    watchdog.unref()
  })
  afterEach(() => { clearInterval(watchdog) })

  it('keeps a 3:5 file at 3 live holders through the sharer and a holder stopping; joiners move nothing; never above 5', async () => {
    const sharer = nodes[5]
    const src = await randomFile(dir.path, 'kept.bin', 2 * 1024 * 1024 + 7)
    const record = await sharer.share(src, { replicas: { min: 3, max: 5 } })
    let most = 0
    const sample = async (): Promise<number> => {
      const n = (await holdersOf(record.fileId)).length
      most = Math.max(most, n)
      return n
    }
    step = 'placing'
    let placing: Awaited<ReturnType<typeof sharer.keeper.replicator.check>>
    // a first placement finds storage offers by gossip and holders fetch the file: slow on a busy machine, not stuck
    let placed: string[] = []
    // a holder serves and provides the file as soon as its fetch completes, and marks it
    // a replica in its store just after: the keeper may count it live a moment before
    await untilAsync(async () => {
      placing = await sharer.keeper.replicator.check(record.fileId)
      placed = await holdersOf(record.fileId)
      return placing?.live.length === 3 && placed.length === 3 && placed.every(h => placing?.live.includes(h) === true)
    }, 180_000, () => JSON.stringify({ placing, placed }))

    step = 'stopping the sharer and a holder'
    await sharer.stop()
    const firstHolder = running().find(n => n.peerId.toString() === placed[0])
    await firstHolder?.stop()
    const keeper = running().find(n => placed.slice(1).includes(n.peerId.toString()))
    assert.ok(keeper != null)
    step = 'repairing'
    let last: unknown
    await untilAsync(async () => {
      await sample()
      const status = await keeper.keeper.replicator.check(record.fileId)
      const holders = await holdersOf(record.fileId)
      last = { status, holders, placed }
      // replica holders (a peer that downloaded the file and serves it also counts live: not here)
      return holders.length === 3 && holders.every(h => status?.live.includes(h) === true)
    }, REPAIR_TIME, () => JSON.stringify(last))
    const repaired = (await holdersOf(record.fileId)).sort()
    assert.ok(!repaired.includes(placed[0]))

    step = 'adding the newcomer'
    const newcomer = await addNode('newcomer')
    step = 'the newcomer gets the file'
    const out = join(dir.path, 'fetched.bin')
    // bounded below the test's own bound, so a get that never ends fails here, with its progress
    let progress: unknown
    await newcomer.get(record.fileId, { output: out, signal: AbortSignal.timeout(240_000), onProgress: p => { progress = p } }).catch((err: Error) => {
      throw new Error(`the newcomer's get failed: ${err.message}; last progress ${JSON.stringify(progress)}`)
    })
    assert.equal(await sha256File(out), await sha256File(src))

    step = 'adding joiners'
    for (let i = 0; i < 10; i++) await addNode(`joiner-${i}`)
    step = 'checking after joiners'
    for (let round = 0; round < 3; round++) {
      await Promise.all(running().map(async n => n.keeper.replicator.check(record.fileId)))
      await sample()
    }
    assert.deepEqual((await holdersOf(record.fileId)).sort(), repaired, 'joiners move no replica while the file is within min..max')
    assert.ok(most <= 5, `at most 5 holders at any sample (saw ${most})`)
  })
})

async function untilAsync (condition: () => Promise<boolean>, timeoutMs: number, state = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${state()}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}
