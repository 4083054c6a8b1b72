/**
 * The discovery scenario's worker: N peershare nodes in this one process on 127.0.0.1
 * with default settings (bootstrapped from the first), measuring what issue 9 asks:
 * how fast an announcement reaches every node, how long a remote search takes, and
 * how long a node that joins late takes to catch up a catalog of many offers.
 *   worker-discovery.js <dir> <nodes> <catch-up offers>
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ANNOUNCE_TOPIC, PeershareNode, signOffer } from '@peershare/node'
import { type Offer, formatFileId, fileIdOf } from '@peershare/protocol'
import type { DiscoveryResult } from './protocol.js'
import { QUIET_CPU, waitForQuiet } from './quiet.js'
import { now, receive, runWorker, send } from './worker-ipc.js'

const BATCH = 5
/** gossip mesh: every node sees this many subscribed peers before measuring */
const MESH_PEERS = 4
const MESH_WAIT_MS = 90_000
const ANNOUNCEMENTS = 5
const REACH_WAIT_MS = 15_000
const SEARCHES = 20
const CATCH_UP_WAIT_MS = 180_000
const AUTHORS = 10

runWorker(async ([dir, nodesArg, offersArg]) => {
  const n = Number(nodesArg)
  const catchUpOffers = Number(offersArg)
  const nodes: PeershareNode[] = []
  const create = async (name: string, bootstrap: string[]): Promise<PeershareNode> => {
    const node = await PeershareNode.create({
      repo: join(dir, name),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      // every node dials from 127.0.0.1: the per-host flood limit would refuse them
      inboundConnectionsPerHostPerSecond: 10000,
      bootstrap
    })
    await node.start()
    return node
  }
  try {
    nodes.push(await create('node-0', []))
    const boot = tcpAddress(nodes[0])
    for (let i = 1; i < n; i += BATCH) {
      nodes.push(...await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => create(`node-${i + j}`, [boot]))))
    }
    const t1 = now()
    while (now() - t1 < MESH_WAIT_MS && meshSizes(nodes)[0] < Math.min(MESH_PEERS, n - 1)) await sleep(250)
    const meshSeconds = (now() - t1) / 1000
    const mesh = meshSizes(nodes)
    console.log(`  discovery: ${n} nodes, gossip peers min ${mesh[0]} median ${mesh[Math.floor(n / 2)]} after ${meshSeconds.toFixed(1)} s`)

    const quietSeconds = await waitForQuiet()
    console.log(`  discovery: quiet (under ${QUIET_CPU * 100}% CPU for 2 s) after ${quietSeconds.toFixed(1)} s more`)
    // all N nodes share this process's one JavaScript thread: how busy it was, and how
    // late its timers ran, say how much of a figure is this setup and not the protocol
    const load = measureLoad()
    const reachMs = await propagation(nodes, dir)
    const search = await remoteSearches(nodes)
    const { cpuBusy, loopDelayP99Ms } = load.end()
    await Promise.allSettled(nodes.splice(0).map(async node => node.stop()))
    // the late joiner and the node it meets, alone in this process (as on two machines)
    const catchUp = await lateJoiner(nodes, catchUpOffers, create)
    const result: DiscoveryResult = { nodes: n, meshSeconds, meshMin: mesh[0], quietSeconds, cpuBusy, loopDelayP99Ms, reachMs, announcements: ANNOUNCEMENTS, ...search, ...catchUp }
    send({ type: 'discovery', result })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  } finally {
    await Promise.allSettled(nodes.map(async node => node.stop()))
  }
})

function tcpAddress (node: PeershareNode): string {
  const addr = node.addresses.find(a => a.toString().includes('/tcp/'))?.toString()
  if (addr == null) throw new Error('node has no TCP address')
  return addr
}

/** Subscribed gossip peers of each node on the announcement topic, ascending */
function meshSizes (nodes: PeershareNode[]): number[] {
  return nodes.map(node => node.libp2p.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length).sort((a, b) => a - b)
}

/**
 * Announcements: a node shares a small file; every other node's catalog reports the
 * offer. Timed from the sharer's own catalog taking its offer (the moment it is
 * published) to each other node's; null for a node not reached within REACH_WAIT_MS.
 */
async function propagation (nodes: PeershareNode[], dir: string): Promise<Array<number | null>> {
  const reach: Array<number | null> = []
  for (let k = 0; k < ANNOUNCEMENTS; k++) {
    const sharer = nodes[(k * 7 + 3) % nodes.length]
    const path = join(dir, `announced-${k}.txt`)
    await writeFile(path, `announcement ${k} ${randomBytes(16).toString('hex')}\n`)
    let published = 0
    const seen = new Map<PeershareNode, number>()
    let contentId = ''
    const listeners = nodes.map(node => node.catalog.onChange(change => {
      if (change.kind !== 'put' || change.entry.signed.offer.author !== sharer.peerId.toString()) return
      if (contentId !== '' && change.entry.signed.offer.contentId !== contentId) return
      if (node === sharer) published = now()
      else if (!seen.has(node)) seen.set(node, now())
    }))
    try {
      const record = await sharer.share(path, { tags: ['bench', `announcement${k}`] })
      contentId = record.fileId
      const start = now()
      while (seen.size < nodes.length - 1 && now() - start < REACH_WAIT_MS) await sleep(20)
      for (const node of nodes) {
        if (node === sharer) continue
        const at = seen.get(node)
        reach.push(at == null ? null : Math.max(0, at - published))
      }
    } finally {
      for (const off of listeners) off()
    }
  }
  return reach
}

/** Remote searches from different nodes for a word every node holds an offer of */
async function remoteSearches (nodes: PeershareNode[]): Promise<Pick<DiscoveryResult, 'firstAnswerMs' | 'searchDoneMs' | 'searchAsked' | 'searchAnswered'>> {
  const firstAnswerMs: Array<number | null> = []
  const searchDoneMs: number[] = []
  let searchAsked = 0
  let searchAnswered = 0
  for (let i = 0; i < SEARCHES; i++) {
    const seeker = nodes[(i * 11 + 1) % nodes.length]
    const start = now()
    let first: number | null = null
    for await (const update of seeker.search({ text: 'announcement' })) {
      if (update.type === 'results' && update.from !== 'local' && first == null) first = now() - start
      if (update.type === 'done') {
        searchDoneMs.push(now() - start)
        searchAsked += update.asked
        searchAnswered += update.answered
      }
    }
    firstAnswerMs.push(first)
  }
  return { firstAnswerMs, searchDoneMs, searchAsked, searchAnswered }
}

/** CPU use of this process (1 = one core) and the p99 event-loop delay from now to `end()` */
function measureLoad (): { end(): { cpuBusy: number, loopDelayP99Ms: number } } {
  const cpu0 = process.cpuUsage()
  const t0 = now()
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  return {
    end: () => {
      delay.disable()
      const { user, system } = process.cpuUsage(cpu0)
      return { cpuBusy: (user + system) / 1000 / (now() - t0), loopDelayP99Ms: delay.percentile(99) / 1e6 }
    }
  }
}

/**
 * A catalog of `count` offers from AUTHORS authors is put on a node (as if it had
 * cached them from gossip); then a new node bootstrapped from it starts, and the time
 * until its catalog holds them all is measured. The two run alone in this process.
 */
async function lateJoiner (nodes: PeershareNode[], count: number, create: (name: string, bootstrap: string[]) => Promise<PeershareNode>): Promise<Pick<DiscoveryResult, 'catchUpOffers' | 'signSeconds' | 'catchUpSeconds' | 'caughtUp'>> {
  const holder = await create('holder', [])
  nodes.push(holder)
  const t0 = now()
  const envelopes: Uint8Array[] = []
  const keys = await Promise.all(Array.from({ length: AUTHORS }, async () => generateKeyPair('Ed25519')))
  for (let i = 0; i < count; i++) {
    const key = keys[i % AUTHORS]
    const offer = await syntheticOffer(peerIdFromPrivateKey(key).toString(), i)
    envelopes.push((await signOffer(offer, key)).envelope)
  }
  const signSeconds = (now() - t0) / 1000
  for (let i = 0; i < envelopes.length; i += 500) await holder.catalog.ingest(envelopes.slice(i, i + 500), holder.peerId)
  const target = holder.catalog.size.entries
  console.log(`  discovery: ${count} offers signed in ${signSeconds.toFixed(1)} s; the holder's catalog has ${target}`)
  const t1 = now()
  const joiner = await create('late-joiner', [tcpAddress(holder)])
  nodes.push(joiner)
  while (joiner.catalog.size.entries < target && now() - t1 < CATCH_UP_WAIT_MS) await sleep(50)
  const catchUpSeconds = (now() - t1) / 1000
  return { catchUpOffers: count, signSeconds, catchUpSeconds, caughtUp: joiner.catalog.size.entries >= target }
}

async function syntheticOffer (author: string, i: number): Promise<Offer> {
  const sha256 = randomBytes(32)
  const manifest = { version: 1, size: 1000 + i, chunkSize: 262144, chunkHashes: [sha256], sha256 }
  return {
    author,
    seq: BigInt(i + 1),
    contentId: formatFileId(await fileIdOf(manifest)),
    removed: false,
    name: `catalog file ${i}.bin`,
    size: 1000 + i,
    mimeType: 'application/octet-stream',
    sha256: sha256.toString('hex'),
    category: 'other',
    tags: ['bench'],
    description: `offer number ${i} of the catch-up catalog`,
    created: 0,
    modified: 0,
    thumbnail: '',
    visibility: 'public'
  }
}
