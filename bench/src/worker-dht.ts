/**
 * The dht scenario's worker: `count` peershare nodes in this process, on 127.0.0.1,
 * each with its own repo, doing what the parent asks (protocol.ts `DhtCommand`) and
 * timing it. Several of these processes make one swarm: the first process's first
 * node is everyone's bootstrap peer.
 *   worker-dht.js <dir> <count> <bootstrap multiaddr, or '-' in the first process>
 */
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PeershareNode, identifiedBefore } from '@peershare/node'
import { formatFileId } from '@peershare/protocol'
import type { Connection } from '@libp2p/interface'
import type { DhtCommand, DhtFile, DhtGet, DhtGetPhases, DhtReply } from './protocol.js'
import { now, phase, receive, runWorker, send } from './worker-ipc.js'
import { sequential } from './sequential.js'

/** nodes created and started at once */
const BATCH = 5
/** one chunk: its first verified byte is the whole file verified */
const FILE_BYTES = 256 * 1024
/** a lookup that found nothing by then counts as none */
const LOOKUP_TIMEOUT_MS = 10_000
/** a provide not done by then counts as failed */
const PROVIDE_TIMEOUT_MS = 60_000
/** a get that has not finished by then counts as failed */
const GET_TIMEOUT_MS = 30_000

runWorker(async ([dir, countArg, bootArg]) => {
  const count = Number(countArg)
  const nodes: PeershareNode[] = []
  let made = 0
  const create = async (bootstrap: string[]): Promise<PeershareNode> => {
    const node = await PeershareNode.create({
      repo: join(dir, `node-${made++}`),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      // every node dials from 127.0.0.1: the per-host flood limit would refuse them
      inboundConnectionsPerHostPerSecond: 10000,
      bootstrap
    })
    await node.start()
    return node
  }
  try {
    let boot = bootArg === '-' ? undefined : bootArg
    if (boot == null) {
      nodes.push(await create([]))
      boot = tcpAddress(nodes[0])
    }
    while (nodes.length < count) {
      const batch = Array.from({ length: Math.min(BATCH, count - nodes.length) }, async () => create([boot]))
      nodes.push(...await Promise.all(batch))
    }
    send({ type: 'ready', addr: boot })
    while (true) {
      const msg = await receive()
      if (msg.type === 'stop') break
      if (msg.type !== 'dht') throw new Error(`expected 'dht' or 'stop', got '${msg.type}'`)
      const reply = await run(msg.command, { nodes, dir, boot, create })
      send({ type: 'dht-reply', reply })
    }
  } finally {
    await Promise.allSettled(nodes.map(async node => node.stop()))
  }
})

interface WorkerNodes {
  nodes: PeershareNode[]
  dir: string
  boot: string
  create: (bootstrap: string[]) => Promise<PeershareNode>
}

async function run (command: DhtCommand, w: WorkerNodes): Promise<DhtReply> {
  switch (command.op) {
    case 'routing': return { op: 'routing', sizes: w.nodes.map(lanTableSize), connections: w.nodes.map(n => n.libp2p.getConnections().length), ...(command.detail === true ? await routingDetail(w.nodes, w.boot) : {}) }
    case 'share': return share(w, command.nodes)
    case 'lookup': return { op: 'lookup', ms: await sequential(command.items, async ({ node, file }) => lookup(w.nodes[node], file)) }
    case 'get': return { op: 'get', gets: await profiled(async () => sequential(command.items, async ({ node, file }) => get(w.nodes[node], file, w.dir))) }
    case 'fresh': return fresh(w, command.file, command.waitMs)
    case 'counters': return { op: 'counters', values: await counters(w.nodes) }
  }
}

/** Runs the warm gets in the worker's one profiled phase (a .cpuprofile with --profile): what keeps the event loop busy meanwhile */
async function profiled<T> (fn: () => Promise<T>): Promise<T> {
  await phase.start()
  try {
    return await fn()
  } finally {
    await phase.stop()
  }
}

/**
 * Each node shares a new file. Timed, from the announcement share() starts
 * (`index.whenAnnounced()`): its provide, from its start until a DHT stored the records
 * under both keys; from share() called to then (the file's hashing and storing, and the
 * announcement's wait in the queue, besides); and that wait alone. `index.provide()`
 * would walk again if the announcement had ended before share() returned: a walk the
 * user's share never makes. null: not within PROVIDE_TIMEOUT_MS.
 */
async function share (w: WorkerNodes, which: number[]): Promise<DhtReply> {
  const files: DhtFile[] = []
  const times = await sequential(which, async i => {
    const node = w.nodes[i]
    const path = join(w.dir, `shared-${node.peerId.toString()}-${files.length}.bin`)
    await writeFile(path, randomBytes(FILE_BYTES))
    const called = Date.now()
    const record = await node.share(path)
    files.push({ fileId: record.fileId, peerId: node.peerId.toString() })
    try {
      const { queuedAt, startedAt, storedAt } = await node.index.whenAnnounced(record, AbortSignal.timeout(PROVIDE_TIMEOUT_MS))
      return { provideMs: storedAt - startedAt, shareMs: storedAt - called, queuedMs: startedAt - queuedAt }
    } catch {
      return { provideMs: null, shareMs: null, queuedMs: null }
    }
  })
  return { op: 'share', files, provideMs: times.map(t => t.provideMs), shareMs: times.map(t => t.shareMs), queuedMs: times.map(t => t.queuedMs) }
}

/** ms until the lookup names the sharer; null if it did not within LOOKUP_TIMEOUT_MS */
async function lookup (node: PeershareNode, file: DhtFile): Promise<number | null> {
  const t0 = now()
  for await (const p of node.providers(file.fileId, { timeout: LOOKUP_TIMEOUT_MS })) {
    if (p.peerId === file.peerId) return now() - t0
  }
  return null
}

/** `get` by file id (lookup, dial, manifest, chunks), timed from `t0` to the first chunk verified and written, and to the file done */
async function get (node: PeershareNode, file: DhtFile, dir: string, t0 = now()): Promise<DhtGet> {
  let firstByteMs: number | null = null
  const { phases, unwatchPhases } = watchPhases(node, file, t0)
  try {
    const transfer = await node.download(file.fileId, { output: join(dir, `got-${node.peerId.toString()}-${file.fileId}`) })
    // a verified chunk before we could watch: it arrived at the latest now
    if (transfer.isDone()) firstByteMs = now() - t0
    const unwatch = transfer.watch(() => { firstByteMs ??= now() - t0 })
    try {
      await Promise.race([transfer.done(), sleep(GET_TIMEOUT_MS).then(() => { throw new Error(`not done within ${GET_TIMEOUT_MS} ms`) })])
    } finally {
      unwatch()
    }
    return { firstByteMs, doneMs: now() - t0, phases }
  } catch (err: any) {
    return { firstByteMs, doneMs: null, error: err?.message ?? String(err), phases }
  } finally {
    unwatchPhases()
  }
}

/**
 * Times the steps of a get before its first chunk, from outside the download: when the
 * node's DHT lookup yields the sharer (its index's `findProviders`, wrapped on this
 * instance for the get), when a connection to the sharer opens, when the download
 * reports a size (it adopted the manifest)
 */
function watchPhases (node: PeershareNode, file: DhtFile, t0: number): { phases: DhtGetPhases, unwatchPhases: () => void } {
  const phases: DhtGetPhases = {}
  const index = node.index
  const findProviders = index.findProviders
  index.findProviders = async function * (ref, signal) {
    if (ref.kind === 'file-id' && formatFileId(ref.fileId) === file.fileId) phases.lookupMs ??= now() - t0
    for await (const peer of findProviders.call(index, ref, signal)) {
      if (peer.id.toString() === file.peerId) phases.providerMs ??= now() - t0
      yield peer
    }
  }
  if (node.libp2p.getConnections().some(c => c.remotePeer.toString() === file.peerId && c.status === 'open')) phases.connectedMs = 0
  const opened = (evt: CustomEvent<Connection>): void => {
    if (evt.detail.remotePeer.toString() === file.peerId) phases.connectedMs ??= now() - t0
  }
  node.libp2p.addEventListener('connection:open', opened)
  const unsubscribe = node.transfers.onProgress(p => {
    if (p.fileId === file.fileId && p.bytesTotal != null) phases.manifestMs ??= now() - t0
  })
  return {
    phases,
    unwatchPhases: () => {
      index.findProviders = findProviders
      node.libp2p.removeEventListener('connection:open', opened)
      unsubscribe()
    }
  }
}

/** A new node: created and started, then a get timed from the create call; or, given `waitMs`, a get `waitMs` after the create call, timed from the get */
async function fresh (w: WorkerNodes, file: DhtFile, waitMs: number): Promise<DhtReply> {
  const t0 = now()
  const node = await w.create([w.boot])
  w.nodes.push(node)
  const startMs = now() - t0
  if (waitMs > startMs) await sleep(waitMs - startMs)
  const routingAtGet = lanTableSize(node)
  return { op: 'fresh', startMs, routingAtGet, get: await get(node, file, w.dir, waitMs > 0 ? now() : t0) }
}

/** libp2p counters of dials (failed ones by error name) and of the LAN DHT (RPCs, routing-table pings and adds) */
const COUNTED = /^libp2p_(connection_manager_dial(s|_errors|s_inbound_errors|s_outbound_errors)_total|kad_dht_lan_(outbound_rpc_(requests|errors)_total|inbound_rpc_requests_total|kad_bucket_events_total))$/

/** COUNTED summed over `nodes`, one entry per metric and label, without the `libp2p_` prefix */
async function counters (nodes: PeershareNode[]): Promise<Record<string, number>> {
  const sums: Record<string, number> = {}
  for (const node of nodes) {
    for (const metric of await node.metrics?.registry.getMetricsAsJSON() ?? []) {
      if (!COUNTED.test(metric.name)) continue
      for (const { labels, value } of metric.values) {
        const key = `${metric.name.slice('libp2p_'.length)}{${Object.values(labels).join(',')}}`
        sums[key] = (sums[key] ?? 0) + value
      }
    }
  }
  return sums
}

/** Per node: connections to peers never identified, and why its routing table is empty or holds one peer */
async function routingDetail (nodes: PeershareNode[], boot: string): Promise<{ unidentified: number[], whySmall: Array<string | undefined>, bootstrap?: string }> {
  const whySmall = await Promise.all(nodes.map(async n => whyTableSmall(n, nodes, boot)))
  return { unidentified: await Promise.all(nodes.map(unidentified)), whySmall, bootstrap: bootstrapState(nodes, boot) }
}

/**
 * Why the node's LAN routing table is empty or holds one peer (undefined when larger):
 * whether kad-dht's first self-query ended, the age of its connections; or, connected to
 * nobody, its bootstrap dial's last failure, its dial queue, and a dial now of the
 * bootstrap address and of another node, with libp2p's steps
 */
async function whyTableSmall (n: PeershareNode, nodes: PeershareNode[], boot: string): Promise<string | undefined> {
  if (lanTableSize(n) > 1) return undefined
  // the swarm's count of connections identified again (its implementation: a private part)
  const again = (n as unknown as { swarm: { identifyAgain: { identifiedAgain: number } } }).swarm.identifyAgain.identifiedAgain
  // kad-dht's self-query (its implementation): every other query waits for the first one to end
  const querySelf = (n.dhts.find(d => d.name === 'lan')?.dht as unknown as { querySelf?: { initialQuerySelfHasRun?: unknown, querySelfPromise?: unknown } } | undefined)?.querySelf
  const selfQuery = `first self-query ${querySelf?.initialQuerySelfHasRun == null ? 'ended' : 'NOT ended'}${querySelf?.querySelfPromise == null ? '' : ', a self-query running'}`
  const connections = n.libp2p.getConnections()
  if (connections.length > 0) return `table of ${lanTableSize(n)}; ${selfQuery}; connections open for ${connections.map(c => ((Date.now() - c.timeline.open) / 1000).toFixed(0)).join(', ')} s; identified again ${again}`
  const last = (await n.status()).isolated?.bootstrap.map(b => b.error ?? 'no failure').join('; ') ?? 'not isolated'
  // libp2p's dial queue (its implementation: not in the interface types)
  const queue = (n.libp2p as unknown as { components: { connectionManager: { dialQueue: { queue: { size: number, running: number, queued: number } } } } }).components.connectionManager.dialQueue.queue
  const other = nodes.find(o => o !== n && o.libp2p.getConnections().length > 0)
  const [toBoot, toOther] = await Promise.all([boot, other == null ? undefined : tcpAddress(other)].map(async addr => addr == null ? 'no other node' : traceDial(n, addr)))
  return `connected to nobody; ${selfQuery}; last bootstrap dial: ${last}; dial queue ${queue.size} (${queue.running} running, ${queue.queued} queued); identified again ${again}; dialled now: bootstrap ${toBoot}; another node ${toOther}`
}

/** When the bootstrap node runs in this process: its connections and libp2p's count of inbound connections still upgrading (at most 10 accepted) */
function bootstrapState (nodes: PeershareNode[], boot: string): string | undefined {
  const node = nodes.find(n => tcpAddress(n) === boot)
  if (node == null) return undefined
  // libp2p's connection manager (its implementation: not in the interface types)
  const manager = (node.libp2p as unknown as { components: { connectionManager: { incomingPendingConnections: number } } }).components.connectionManager
  return `${node.libp2p.getConnections().length} connections, ${manager.incomingPendingConnections} inbound upgrading`
}

/** A dial of `addr` from `node` now: how it ended, after how long, and the steps libp2p reported */
async function traceDial (node: PeershareNode, addr: string): Promise<string> {
  const steps: string[] = []
  const t0 = Date.now()
  const end = await node.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000), onProgress: (e: { type: string }) => { steps.push(`${e.type} ${Date.now() - t0}`) } })
    .then(() => 'connected', (err: Error) => `${err.name}: ${err.message}`)
  return `${end} after ${Date.now() - t0} ms (${steps.join(', ')})`
}

/** The node's connections to peers identify never completed with (the swarm's own test, `identifiedBefore`; a peer without a record counts as never identified) */
async function unidentified (node: PeershareNode): Promise<number> {
  const known = await Promise.all(node.libp2p.getConnections().map(async c => identifiedBefore(node.libp2p.peerStore, c.remotePeer).catch(() => false)))
  return known.filter(k => !k).length
}

/** The LAN DHT's table: on 127.0.0.1 the public DHT (public addresses only) stays empty */
function lanTableSize (node: PeershareNode): number {
  return node.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0
}

function tcpAddress (node: PeershareNode): string {
  const addr = node.addresses.find(a => a.toString().includes('/tcp/'))?.toString()
  if (addr == null) throw new Error('first node has no TCP address')
  return addr
}
