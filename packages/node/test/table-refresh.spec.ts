import assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { TableRefresher, type TableRefreshTimes } from '../src/swarm/table-refresh.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** The refresher's times shrunk a thousandfold */
const TIMES: TableRefreshTimes = { firstMs: 5, maxMs: 40, earlyMs: 20, smallPeers: 20 }

/** A fake routing table whose refreshes find `found` peers each, in turn; and what the refresher logged: [size, next wait] */
function fakeTable (size: number, found: number[] = []) {
  const table = { size, refreshes: 0, logged: [] as Array<[number, number]>, done: false }
  const refresher = new TableRefresher({
    size: () => table.size,
    refresh: () => { table.refreshes++; table.size += found.shift() ?? 0 }
  }, (msg, ...args) => {
    if (msg.includes('refreshed')) table.logged.push([args[0] as number, args[1] as number])
    if (msg.includes('early refreshes done')) table.done = true
  }, TIMES)
  return { table, refresher }
}

describe('routing table refreshes', () => {
  describe('schedule', () => {
    it('a small table: refreshed after a wait that doubles to the most, growing or not, never given up', async () => {
      const { table, refresher } = fakeTable(1, [2, 0, 0, 5])
      refresher.start()
      await until(() => table.logged.length >= 6, 10_000, 'six refreshes')
      refresher.stop()
      // [size at the refresh, wait before the next one in ms]
      assert.deepEqual(table.logged.slice(0, 6), [[1, 10], [3, 20], [3, 40], [3, 40], [8, 40], [8, 40]])
      assert.equal(table.done, false)
    })

    it('a table of k peers or more: refreshed while the wait is under the early limit, then left to kad-dht', async () => {
      const { table, refresher } = fakeTable(25)
      refresher.start()
      await until(() => table.done, 10_000, 'the early refreshes to end')
      assert.equal(table.refreshes, 3)
      assert.deepEqual(table.logged, [[25, 10], [25, 20], [25, 40]])
      refresher.stop()
    })

    it('stops', async () => {
      const { table, refresher } = fakeTable(1)
      refresher.start()
      refresher.stop()
      await new Promise(resolve => setTimeout(resolve, 10 * TIMES.firstMs))
      assert.equal(table.refreshes, 0)
    })
  })

  describe('between real nodes: one that met a single peer learns of those that peer met later', function () {
    this.timeout(120_000)
    let dir: TestDir
    const nodes: PeershareNode[] = []

    async function started (name: string, bootstrap: string[] = []): Promise<PeershareNode> {
      const node = await startTestNode(join(dir.path, name), { bootstrap })
      nodes.push(node)
      return node
    }

    /**
     * Waits until the node's LAN DHT ended its first self-query: kad-dht starts it a
     * second after start and, with an empty table, waits for a first peer to ask (for
     * ever: it has no time limit). Asking, it learns of the peers that peer knows.
     */
    async function selfQueried (node: PeershareNode): Promise<void> {
      // kad-dht's own flag (not in its interface types): set until its first self-query ended
      const querySelf = (lanDht(node).dht as unknown as { querySelf: { initialQuerySelfHasRun?: unknown } }).querySelf
      await until(() => querySelf.initialQuerySelfHasRun == null, 30_000, 'a first self-query')
    }

    before(async () => { dir = await tempDir() })

    after(async () => {
      await Promise.allSettled(nodes.map(async n => n.stop()))
      await dir?.cleanup()
    })

    it('through the refreshes of small tables (no first walk of theirs asks the hub)', async () => {
      const hub = await started('hub')
      const lonely = await started('lonely', [dialAddress(hub)])
      await Promise.all([hub, lonely].map(selfQueried))
      // three nodes that know each other (their first self-queries asked each other), none the hub
      const first = await started('a')
      const others = await Promise.all(['b', 'c'].map(async name => started(name, [dialAddress(first)])))
      const trio = [first, ...others]
      await Promise.all(trio.map(selfQueried))
      await until(() => trio.every(node => lanDht(node).routingTableSize() === 2), 20_000, 'the three in each other\'s tables')
      // the hub meets one of them; only a refresh (the lonely node's, or theirs through the hub) brings them together
      await hub.libp2p.dial(multiaddr(dialAddress(first)))
      await until(() => lanDht(hub).routingTableSize() >= 2, 20_000, 'the hub\'s table of two')
      await until(() => lanDht(lonely).routingTableSize() === 4, 60_000, 'the lonely node\'s table of four (the hub and the three)')
    })
  })
})
