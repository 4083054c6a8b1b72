/**
 * Scenario "replicate" (issue 11). A swarm of 20 nodes in this process on 127.0.0.1
 * (real libp2p, loopback TCP), each offering storage; one shares 3 random files with
 * `--replicas 3:5`. Figures: time until every file has 3 live holders (target <= 30 s:
 * first placement starts at once and asks in parallel), then 2 holders of the files
 * stop at once: time until every file is back to 3 after the loss grace (target <= 60
 * s), bytes fetched by new holders during the repair against the ideal (lost replicas
 * × size, target <= 1.1×), and whether every file had a live holder at every sample.
 * Timers are shortened (lossGrace, repairInterval: printed) so the run takes minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PeershareNode } from '@peershare/node'
import type { BenchContext } from './context.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'

const NODES = 20
const FILES = 3
const MiB = 1024 * 1024
const POLICY = { min: 3, max: 5 }
/** shortened timers for the bench (defaults: 15 min, 10 min, 1 h) */
const TIMERS = { lossGrace: 5_000, repairInterval: 2_000, jitter: 0.2, surplusGrace: 600_000, probeTimeout: 2_000 }
const SAMPLE_MS = 500

interface Figures { placedSeconds: number, repairSeconds: number, lostReplicas: number, movedBytes: number, alwaysRetrievable: boolean }

export async function runReplicate ({ opts, work }: BenchContext): Promise<void> {
  const size = Math.min(opts.sizes[0] ?? 64 * MiB, 64 * MiB)
  const dir = await mkdtemp(join(work, 'replicate-'))
  const nodes: PeershareNode[] = []
  try {
    console.log(`replicate: ${NODES} nodes, ${FILES} files of ${formatSize(size)}, policy ${POLICY.min}:${POLICY.max}; lossGrace ${TIMERS.lossGrace / 1000} s, repairInterval ${TIMERS.repairInterval / 1000} s`)
    for (let i = 0; i < NODES; i++) nodes.push(await startNode(join(dir, `n${i}`), i === 0 ? [] : [bootstrapOf(nodes[0])], size))
    const figures = await measure(nodes, dir, size)
    print(size, figures)
  } finally {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await rm(dir, { recursive: true, force: true })
  }
}

async function startNode (repo: string, bootstrap: string[], size: number): Promise<PeershareNode> {
  const node = await PeershareNode.create({
    repo,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap,
    mdns: false,
    inboundConnectionsPerHostPerSecond: 1000,
    replication: { quota: 4 * size, acceptsFrom: 'anyone', onePerSubnet: false, ...TIMERS }
  })
  await node.start()
  return node
}

function bootstrapOf (node: PeershareNode): string {
  return `${node.addresses[0].toString()}`
}

async function measure (nodes: PeershareNode[], dir: string, size: number): Promise<Figures> {
  const sharer = nodes[1]
  const fileIds: string[] = []
  for (let f = 0; f < FILES; f++) {
    const source = await createRandomFile(join(dir, `file-${f}.bin`), size)
    fileIds.push((await sharer.share(source.path)).fileId)
  }
  const t0 = Date.now()
  await Promise.all(fileIds.map(async id => sharer.replicate(id, POLICY)))
  await waitFor(async () => (await liveCounts(sharer, fileIds)).every(n => n >= POLICY.min), 120_000, 'min reached')
  const placedSeconds = (Date.now() - t0) / 1000

  const holders = await holdersOf(sharer, fileIds)
  const victims = pickVictims(holders, sharer.peerId.toString())
  const lostReplicas = victims.reduce((n, v) => n + fileIds.filter(id => holders.get(id)?.includes(v) === true).length, 0)
  const before = new Set(nodes.flatMap(n => fileIds.filter(id => holders.get(id)?.includes(n.peerId.toString()) === true).map(id => `${n.peerId}:${id}`)))
  await Promise.all(nodes.filter(n => victims.includes(n.peerId.toString())).map(async n => n.stop()))
  const live = nodes.filter(n => !victims.includes(n.peerId.toString()))
  const t1 = Date.now()
  let alwaysRetrievable = true
  await waitFor(async () => {
    const now = await holdersOf(sharer, fileIds, true)
    const serving = [...now.values()].map(peers => peers.filter(p => !victims.includes(p)).length)
    if (serving.some(n => n === 0)) alwaysRetrievable = false
    return serving.length === FILES && serving.every(n => n >= POLICY.min)
  }, 180_000, 'repaired')
  // from the stop; a loss is acted on lossGrace after the holder was last SEEN, up to a check period before the stop
  const repairSeconds = (Date.now() - t1) / 1000
  const after = await holdersOf(sharer, fileIds)
  const fresh = [...after].flatMap(([id, peers]) => peers.filter(p => !before.has(`${p}:${id}`) && live.some(n => n.peerId.toString() === p)))
  return { placedSeconds, repairSeconds, lostReplicas, movedBytes: fresh.length * size, alwaysRetrievable }
}

/** Two peers that hold at least one of the files (the sharer excluded) */
function pickVictims (holders: Map<string, string[]>, sharer: string): string[] {
  const all = [...new Set([...holders.values()].flat())].filter(p => p !== sharer)
  return all.slice(0, 2)
}

async function liveCounts (sharer: PeershareNode, fileIds: string[]): Promise<number[]> {
  return Promise.all(fileIds.map(async id => (await sharer.keeper.replicator.check(id))?.live.length ?? 0))
}

async function holdersOf (sharer: PeershareNode, fileIds: string[], fresh = false): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const id of fileIds) {
    const status = fresh ? await sharer.keeper.replicator.check(id) : await sharer.replication(id)
    if (status != null) out.set(id, status.live)
  }
  return out
}

async function waitFor (condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`replicate: ${what} not within ${timeoutMs / 1000} s`)
    await new Promise(resolve => setTimeout(resolve, SAMPLE_MS))
  }
}

function print (size: number, f: Figures): void {
  const ideal = f.lostReplicas * size
  console.log(`  min ${POLICY.min} reached for ${FILES} files in ${f.placedSeconds.toFixed(1)} s (target <= 30 s)`)
  console.log(`  repaired ${f.lostReplicas} lost replica(s) ${f.repairSeconds.toFixed(1)} s after 2 holders stopped, loss grace ${TIMERS.lossGrace / 1000} s included (target: <= 60 s after the grace)`)
  console.log(`  bytes moved by repair ${formatSize(f.movedBytes)} vs ideal ${formatSize(ideal)}: ${(ideal === 0 ? 0 : f.movedBytes / ideal).toFixed(2)}x (target <= 1.1x)`)
  console.log(`  every file had a live holder at every ${SAMPLE_MS} ms sample: ${f.alwaysRetrievable ? 'yes' : 'NO'}`)
}
