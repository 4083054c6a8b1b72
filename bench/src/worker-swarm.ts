/**
 * The swarm scenario's worker: N peershare nodes in this one process, on 127.0.0.1,
 * each with its own repo, all bootstrapped from the first. It measures RSS before
 * and after starting them, waits for the routing tables to fill, then times how soon
 * a shared file can be found and how long provider lookups take.
 *   worker-swarm.js <dir> <nodes> <lookups>
 */
import { writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PeershareNode } from '@peershare/node'
import type { SwarmResult } from './protocol.js'
import { QUIET_CPU, waitForQuiet } from './quiet.js'
import { now, receive, runWorker, send } from './worker-ipc.js'

/** nodes created and started at once */
const BATCH = 5
const ROUTING_TARGET = 10
const ROUTING_WAIT_MS = 90_000
const NUDGE_MS = 15_000
const LOOKUP_TIMEOUT_MS = 10_000
const DISCOVER_WAIT_MS = 60_000

runWorker(async ([dir, nodesArg, lookupsArg]) => {
  const n = Number(nodesArg)
  const lookups = Number(lookupsArg)
  const nodes: PeershareNode[] = []
  try {
    const rssBefore = process.memoryUsage.rss()
    const t0 = now()
    const create = async (i: number, bootstrap: string[]): Promise<PeershareNode> => {
      const node = await PeershareNode.create({
        repo: join(dir, `node-${i}`),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        // default DHT settings: on 127.0.0.1 the LAN DHT (always a server) does the work
        // every node dials from 127.0.0.1: the per-host flood limit would refuse them
        inboundConnectionsPerHostPerSecond: 10000,
        bootstrap
      })
      await node.start()
      return node
    }
    nodes.push(await create(0, []))
    const boot = nodes[0].addresses.find(a => a.toString().includes('/tcp/'))?.toString()
    if (boot == null) throw new Error('first node has no TCP address')
    for (let i = 1; i < n; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => create(i + j, [boot]))
      nodes.push(...await Promise.all(batch))
    }
    const startSeconds = (now() - t0) / 1000
    console.log(`  swarm: ${n} nodes started in ${startSeconds.toFixed(1)} s; waiting for routing tables...`)

    // kad-dht queries for itself once, 1 s after start, and then every 5 minutes: a
    // node whose first query found nobody (its bootstrap peer not yet identified on
    // a loaded machine) stays sparse for that long. Nodes still below the target
    // after NUDGE_MS get a routing table refresh (kad-dht's own API), counted below.
    const target = Math.min(n - 1, ROUTING_TARGET)
    const t1 = now()
    const nudged = new Set<number>()
    let lastNudge = t1
    let sizes = routingSizes(nodes)
    while (sizes[0] < target && now() - t1 < ROUTING_WAIT_MS) {
      await sleep(250)
      if (now() - lastNudge >= NUDGE_MS) {
        lastNudge = now()
        nodes.forEach((node, i) => {
          if (routingTable(node).size >= target) return
          nudged.add(i)
          void node.libp2p.services.lanDht.refreshRoutingTable().catch(() => {})
        })
      }
      sizes = routingSizes(nodes)
    }
    const routingSeconds = (now() - t1) / 1000
    const rssAfter = process.memoryUsage.rss()
    const median = sizes[Math.floor(sizes.length / 2)]
    console.log(`  swarm: routing tables min ${sizes[0]} median ${median} max ${sizes[sizes.length - 1]} after ${routingSeconds.toFixed(1)} s (${nudged.size} nodes refreshed)`)

    const quietSeconds = await waitForQuiet()
    console.log(`  swarm: quiet (under ${QUIET_CPU * 100}% CPU for 2 s) after ${quietSeconds.toFixed(1)} s more`)
    // CPU use of this process while it measures: near 100% means one core is saturated
    // (all N nodes share this process's one JavaScript thread)
    const cpu0 = process.cpuUsage()
    const t2 = now()
    const measured = await provideAndFind(nodes, dir, lookups)
    const { user, system } = process.cpuUsage(cpu0)
    const result: SwarmResult = {
      nodes: n,
      startSeconds,
      rssBefore,
      rssAfter,
      routingSeconds,
      routingTarget: target,
      routingSettled: sizes[0] >= target,
      routingSizes: [sizes[0], median, sizes[sizes.length - 1]],
      routingRefreshed: nudged.size,
      ...measured,
      cpuBusy: (user + system) / 1000 / (now() - t2),
      quietSeconds,
      lookupNodes: Math.min(lookups, n - 1)
    }
    send({ type: 'swarm', result })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  } finally {
    await Promise.allSettled(nodes.map(async node => node.stop()))
  }
})

/** Routing table sizes of all nodes, ascending */
function routingSizes (nodes: PeershareNode[]): number[] {
  return nodes.map(node => routingTable(node).size).sort((a, b) => a - b)
}

/** The LAN DHT's table: the public DHT keeps public addresses only, so it stays empty here */
function routingTable (node: PeershareNode): { size: number } {
  return { size: node.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0 }
}

/**
 * A node away from the bootstrap node shares a small file. Timed from share()
 * called: its announcement (share() starts it in the background) stored the records,
 * and another node's lookups until one yields the sharer. Then one lookup from
 * each of `lookups` other nodes, each timed to its first provider.
 */
async function provideAndFind (nodes: PeershareNode[], dir: string, lookups: number): Promise<Pick<SwarmResult, 'provideMs' | 'discoverMs' | 'lookupMs'>> {
  const sharer = nodes[nodes.length - 1]
  const sharerId = sharer.peerId.toString()
  const path = join(dir, 'small.bin')
  await writeFile(path, randomBytes(64 * 1024))
  const t0 = now()
  const record = await sharer.share(path)
  const provided = sharer.index.whenAnnounced(record, AbortSignal.timeout(DISCOVER_WAIT_MS)).then(() => now() - t0)
  const discovered = (async () => {
    const seeker = nodes[1]
    while (now() - t0 < DISCOVER_WAIT_MS) {
      for await (const p of seeker.providers(record.fileId, { timeout: LOOKUP_TIMEOUT_MS })) {
        if (p.peerId === sharerId) return now() - t0
      }
      await sleep(50)
    }
    return null
  })()
  const [provideMs, discoverMs] = await Promise.all([provided, discovered])
  console.log(`  swarm: provide ${provideMs.toFixed(0)} ms, discoverable after ${discoverMs == null ? 'never' : `${discoverMs.toFixed(0)} ms`}`)

  const lookupMs: Array<number | null> = []
  const others = nodes.filter(node => node !== sharer)
  for (let i = 0; i < lookups; i++) {
    // nodes[1] looked already: start after it, so each lookup is a node's first
    const seeker = others[(i + 2) % others.length]
    const start = now()
    let ms: number | null = null
    for await (const _ of seeker.providers(record.fileId, { timeout: LOOKUP_TIMEOUT_MS })) {
      ms = now() - start
      break
    }
    lookupMs.push(ms)
  }
  return { provideMs, discoverMs, lookupMs }
}
