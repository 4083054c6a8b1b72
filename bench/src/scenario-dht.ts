/**
 * Scenario "dht" (issue 14's DHT figures), in two swarms of peershare nodes spread
 * over several worker processes (worker-dht.ts; not all in one JavaScript thread):
 * - --dht-nodes (100) nodes in --dht-processes (5): routing-table fill time, provide
 *   time, and provider lookups from nodes in other processes;
 * - 20 nodes in 4 processes: time to first verified byte of `get` by file id (lookup,
 *   dial, manifest, first chunk) from warm nodes, each get a different file, and from
 *   fresh nodes: a get at once after start, and a get 5 s after start; then its CPU
 *   per node while it is left alone.
 * Nodes run with default settings except loopback-only listening and no per-host
 * connection flood limit (every node dials from 127.0.0.1). Targets are printed beside
 * the figures, never asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BenchContext, formatTable, WORKERS } from './context.js'
import { cpuByPid, cpuSince } from './process-cpu.js'
import { Worker } from './processes.js'
import type { DhtCommand, DhtFile, DhtGet, DhtGetPhases, DhtReply } from './protocol.js'

const SCENARIO = 'dht'
const ROUTING_TARGET = 10
const ROUTING_WAIT_MS = 90_000
/** the small swarm of the time-to-first-byte figures */
const TTFB_NODES = 20
const TTFB_PROCESSES = 4
const FRESH_NODES = 3
/** a node "that started 5 s ago" (issue 14) */
const SETTLED_WAIT_MS = 5000
/** The small swarm's idle CPU, once its measurements are done: windows of this length, this many */
const IDLE_SAMPLE_MS = 10_000
const IDLE_WINDOWS = 9
/** one step (a command to every worker: at most 5 provides of 60 s each) may take this long */
const STEP_MS = 600_000

export async function runDht (ctx: BenchContext): Promise<void> {
  const { dhtNodes, dhtProcesses } = ctx.opts
  let load = loadavg()
  const big = await inSwarm(ctx, dhtNodes, dhtProcesses, async swarm => lookupFigures(swarm))
  printLookups(big, load, loadavg())
  load = loadavg()
  const small = await inSwarm(ctx, TTFB_NODES, TTFB_PROCESSES, async swarm => firstByteFigures(swarm))
  printFirstByte(small, load, loadavg())
}

/** Workers of one swarm and the nodes each runs */
class DhtSwarm {
  readonly startSeconds: number
  constructor (readonly workers: Worker[], readonly counts: number[], t0: number) {
    this.startSeconds = (Date.now() - t0) / 1000
  }

  get total (): number { return this.counts.reduce((a, b) => a + b, 0) }

  /** Sends one command to a worker and waits for its reply */
  async ask<T extends DhtReply['op']> (worker: number, command: DhtCommand & { op: T }): Promise<Extract<DhtReply, { op: T }>> {
    this.workers[worker].send({ type: 'dht', command })
    const { reply } = await this.workers[worker].next('dht-reply', Date.now() + STEP_MS)
    if (reply.op !== command.op) throw new Error(`worker ${worker} answered '${reply.op}' to '${command.op}'`)
    return reply as Extract<DhtReply, { op: T }>
  }

  /** Counters summed over all workers (worker-dht.ts `counters`) */
  async counters (): Promise<Record<string, number>> {
    const sums: Record<string, number> = {}
    for (let i = 0; i < this.workers.length; i++) {
      for (const [key, value] of Object.entries((await this.ask(i, { op: 'counters' })).values)) sums[key] = (sums[key] ?? 0) + value
    }
    return sums
  }

  /** Prints what the counters grew by since `before` (the phase's dials, DHT RPCs and routing-table pings), and returns them now */
  async printCounters (phase: string, before: Record<string, number> = {}): Promise<Record<string, number>> {
    const now = await this.counters()
    const grown = Object.entries(now).map(([key, value]) => [key, value - (before[key] ?? 0)] as const).filter(([, d]) => d > 0)
    console.log(`  ${SCENARIO}: counters during ${phase}, all nodes: ${grown.map(([key, d]) => `${key} ${d}`).join(', ')}`)
    return now
  }

  /** Seconds from all nodes started until every LAN routing table held `target` peers (or gave up), and the sizes then */
  async waitForRouting (target: number): Promise<{ seconds: number, settled: boolean, sizes: number[] }> {
    const t1 = Date.now()
    while (true) {
      const sizes = (await Promise.all(this.workers.map(async (_, i) => (await this.ask(i, { op: 'routing' })).sizes))).flat().sort((a, b) => a - b)
      const settled = sizes[0] >= target
      if (settled || Date.now() - t1 > ROUTING_WAIT_MS) return { seconds: (Date.now() - t1) / 1000, settled, sizes }
      await sleep(250)
    }
  }
}

/** Starts `total` nodes in `processes` workers (the first worker's first node is the bootstrap peer), runs `measure`, stops them */
async function inSwarm<R> (ctx: BenchContext, total: number, processes: number, measure: (swarm: DhtSwarm) => Promise<R>): Promise<R> {
  const dir = await mkdtemp(join(ctx.work, 'dht-'))
  const counts = Array.from({ length: processes }, (_, i) => Math.floor(total / processes) + (i < total % processes ? 1 : 0))
  console.log(`${SCENARIO}: starting ${total} peershare nodes in ${processes} processes (${counts.join(' + ')}) on 127.0.0.1...`)
  const workers: Worker[] = []
  const t0 = Date.now()
  // ~1 s per node on 2 cores
  const deadline = t0 + 60_000 + total * 2000
  try {
    const start = (i: number, boot: string): Worker => {
      const worker = new Worker(`dht-${i}`, WORKERS.dht, [join(dir, `p${i}`), String(counts[i]), boot], ctx.env('dht'))
      workers.push(worker)
      return worker
    }
    const boot = (await start(0, '-').next('ready', deadline)).addr as string
    await Promise.all(counts.slice(1).map(async (_, i) => start(i + 1, boot).next('ready', deadline)))
    const swarm = new DhtSwarm(workers, counts, t0)
    console.log(`  ${SCENARIO}: ${total} nodes started in ${swarm.startSeconds.toFixed(1)} s`)
    return await measure(swarm)
  } finally {
    await Promise.allSettled(workers.map(async w => w.stop(30_000)))
    await rm(dir, { recursive: true, force: true })
  }
}

interface LookupFigures {
  nodes: number
  processes: number
  startSeconds: number
  routing: Awaited<ReturnType<DhtSwarm['waitForRouting']>>
  provideMs: Array<number | null>
  lookupMs: Array<number | null>
}

/** Sharers: nodes 1..4 of every worker; each file looked up from two nodes in the next two workers */
async function lookupFigures (swarm: DhtSwarm): Promise<LookupFigures> {
  const routing = await swarm.waitForRouting(ROUTING_TARGET)
  console.log(`  ${SCENARIO}: routing tables >= ${ROUTING_TARGET} peers: ${routing.settled ? '' : 'NOT '}after ${routing.seconds.toFixed(1)} s (min / median / max ${minMedMax(routing.sizes)})`)
  let counted = await swarm.printCounters('start and routing')
  const P = swarm.workers.length
  const shared = await Promise.all(swarm.workers.map(async (_, w) => swarm.ask(w, { op: 'share', nodes: [1, 2, 3, 4].filter(n => n < swarm.counts[w]) })))
  console.log(`  ${SCENARIO}: provided ${shared.length * 4} files, ms: ${shared.flatMap(s => s.provideMs).map(x => x == null ? 'failed' : x.toFixed(0)).join(' ')}`)
  counted = await swarm.printCounters('provides', counted)
  const lookups = await Promise.all(swarm.workers.map(async (_, w) => {
    const items = [1, 2].flatMap(k => shared[(w + P - k) % P].files.map((file, j) => ({ node: (5 + j + k * 4) % swarm.counts[w], file })))
    return (await swarm.ask(w, { op: 'lookup', items })).ms
  }))
  console.log(`  ${SCENARIO}: lookups, ms: ${lookups.flat().map(x => x == null ? 'none' : x.toFixed(0)).join(' ')}`)
  await swarm.printCounters('lookups', counted)
  return {
    nodes: swarm.total,
    processes: P,
    startSeconds: swarm.startSeconds,
    routing,
    provideMs: shared.flatMap(s => s.provideMs),
    lookupMs: lookups.flat()
  }
}

interface FirstByteFigures {
  nodes: number
  routing: LookupFigures['routing']
  warm: DhtGet[]
  /** fresh nodes: create -> first byte */
  fresh: Array<{ startMs: number, routingAtGet: number, get: DhtGet }>
  /** nodes 5 s after their start: get -> first byte */
  settled: Array<{ startMs: number, routingAtGet: number, get: DhtGet }>
  /** the swarm idle afterwards (fresh nodes included) */
  idle: { firstPercent: number, lowestPercent: number, connectionsPerNode: number }
}

/** Every node shares a file; each is got by the same-numbered node of the next worker, one get at a time; then fresh nodes get files */
async function firstByteFigures (swarm: DhtSwarm): Promise<FirstByteFigures> {
  const routing = await swarm.waitForRouting(ROUTING_TARGET)
  const P = swarm.workers.length
  const shared = await Promise.all(swarm.workers.map(async (_, w) => swarm.ask(w, { op: 'share', nodes: Array.from({ length: swarm.counts[w] }, (_, i) => i) })))
  const counted = await swarm.counters()
  const warm: DhtGet[] = []
  for (let w = 0; w < P; w++) {
    const items = shared[(w + P - 1) % P].files.map((file, node) => ({ node: node % swarm.counts[w], file }))
    warm.push(...(await swarm.ask(w, { op: 'get', items })).gets)
  }
  await swarm.printCounters('warm gets', counted)
  const files: DhtFile[] = shared.flatMap(s => s.files)
  const fresh = []
  const settled = []
  for (let i = 0; i < FRESH_NODES; i++) {
    fresh.push(await swarm.ask(i % P, { op: 'fresh', file: files[(i * 7) % files.length], waitMs: 0 }))
    settled.push(await swarm.ask((i + 1) % P, { op: 'fresh', file: files[(i * 7 + 3) % files.length], waitMs: SETTLED_WAIT_MS }))
  }
  const idle = await idleCpu(swarm)
  return { nodes: swarm.total, routing, warm, fresh, settled, idle }
}

/**
 * The swarm's CPU once no one asks it anything (the connection monitor's pings, gossipsub
 * heartbeats, DHT upkeep, what the gets left running): % of a core per node in windows of
 * IDLE_SAMPLE_MS for IDLE_WINDOWS windows from the end of the measurements, the first
 * window's and the lowest window's, and the connections per node as they begin
 */
async function idleCpu (swarm: DhtSwarm): Promise<FirstByteFigures['idle']> {
  const pids = swarm.workers.map(w => w.pid)
  // one entry per node, the fresh ones included
  const connections = (await Promise.all(swarm.workers.map(async (_, i) => (await swarm.ask(i, { op: 'routing' })).connections))).flat()
  const nodes = connections.length
  const windows: number[] = []
  while (windows.length < IDLE_WINDOWS) {
    const before = cpuByPid(pids)
    const start = Date.now()
    await sleep(IDLE_SAMPLE_MS)
    windows.push(cpuSince(before, pids) / ((Date.now() - start) / 1000) / nodes * 100)
  }
  return { firstPercent: windows[0], lowestPercent: Math.min(...windows), connectionsPerNode: connections.reduce((a, b) => a + b, 0) / connections.length }
}

/** The large swarm's table (and its BENCH_JSON line) */
function printLookups (big: LookupFigures, loadBefore: number[], loadAfter: number[]): void {
  const found = sorted(big.lookupMs)
  const provide = sorted(big.provideMs)
  printTable(`${big.nodes} nodes in ${big.processes} processes`, [
    ['start all nodes', `${big.startSeconds.toFixed(1)} s`, ''],
    [`routing tables >= ${ROUTING_TARGET} peers (from all started)`, `${big.routing.settled ? '' : 'NOT reached, gave up after '}${big.routing.seconds.toFixed(1)} s`, ''],
    ['routing table size min / median / max', minMedMax(big.routing.sizes), ''],
    [`provide (${big.provideMs.length} files, 2 keys) p50 / p95`, `${ms(q(provide, 0.5))} / ${ms(q(provide, 0.95))}${provide.length < big.provideMs.length ? ` (${big.provideMs.length - provide.length} not within 60 s)` : ''}`, '<= 2000 ms'],
    [`provider lookups (${big.lookupMs.length}, other processes)`, `${found.length} found the sharer, ${big.lookupMs.length - found.length} not within 10 s`, ''],
    ['provider lookup p50 / p95 / max', `${ms(q(found, 0.5))} / ${ms(q(found, 0.95))} / ${ms(found.at(-1))}`, 'p95 <= 500 ms']
  ], loadBefore, loadAfter)
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: `${SCENARIO}-lookups`,
    ...big,
    routing: { ...big.routing, sizes: minMedMax(big.routing.sizes) },
    provideP50Ms: q(provide, 0.5),
    provideP95Ms: q(provide, 0.95),
    lookupP50Ms: q(found, 0.5),
    lookupP95Ms: q(found, 0.95),
    loadBefore,
    loadAfter
  })}`)
}

/** The small swarm's table: time to first verified byte (and its BENCH_JSON line) */
function printFirstByte (small: FirstByteFigures, loadBefore: number[], loadAfter: number[]): void {
  const warmFirst = sorted(small.warm.map(g => g.firstByteMs))
  const warmDone = sorted(small.warm.map(g => g.doneMs))
  const failed = (gets: DhtGet[]): string => {
    const n = gets.filter(g => g.doneMs == null).length
    return n === 0 ? '' : ` (${n} failed: ${gets.find(g => g.error != null)?.error ?? ''})`
  }
  printTable(`${small.nodes} nodes in ${TTFB_PROCESSES} processes`, [
    [`routing tables >= ${ROUTING_TARGET} peers`, `${small.routing.settled ? '' : 'NOT reached, gave up after '}${small.routing.seconds.toFixed(1)} s`, ''],
    [`get by id, warm (${small.warm.length} files): first byte p50 / p95`, `${ms(q(warmFirst, 0.5))} / ${ms(q(warmFirst, 0.95))}${failed(small.warm)}`, 'p95 <= 500 ms'],
    ['get by id, warm: whole file (256 KiB) p50 / p95', `${ms(q(warmDone, 0.5))} / ${ms(q(warmDone, 0.95))}`, ''],
    ['get by id, warm, p50 / p95 from the get: lookup began', phaseQuantiles(small.warm, 'lookupMs'), ''],
    ['  provider found', phaseQuantiles(small.warm, 'providerMs'), ''],
    ['  connected to it (0: already)', phaseQuantiles(small.warm, 'connectedMs'), ''],
    ['  its manifest taken', phaseQuantiles(small.warm, 'manifestMs'), ''],
    [`fresh node: start -> first byte (${small.fresh.length} nodes)`, `${small.fresh.map(f => ms(f.get.firstByteMs)).join(', ')}${failed(small.fresh.map(f => f.get))}`, '<= 5000 ms'],
    ['fresh node: start took / table at get', `${small.fresh.map(f => ms(f.startMs)).join(', ')} / ${small.fresh.map(f => f.routingAtGet).join(', ')}`, ''],
    [`node started 5 s ago: get -> first byte (${small.settled.length})`, `${small.settled.map(f => ms(f.get.firstByteMs)).join(', ')}${failed(small.settled.map(f => f.get))}`, '<= 500 ms'],
    ['node started 5 s ago: table at get', small.settled.map(f => String(f.routingAtGet)).join(', '), ''],
    [`swarm left alone: CPU per node, first / lowest ${IDLE_SAMPLE_MS / 1000} s of ${IDLE_WINDOWS * IDLE_SAMPLE_MS / 1000} s`, `${small.idle.firstPercent.toFixed(2)}% / ${small.idle.lowestPercent.toFixed(2)}% of a core`, ''],
    ['  connections per node then', small.idle.connectionsPerNode.toFixed(1), '']
  ], loadBefore, loadAfter)
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: `${SCENARIO}-first-byte`,
    ...small,
    routing: { ...small.routing, sizes: minMedMax(small.routing.sizes) },
    warmFirstByteP50Ms: q(warmFirst, 0.5),
    warmFirstByteP95Ms: q(warmFirst, 0.95),
    loadBefore,
    loadAfter
  })}`)
}

/** p50 / p95 of one step of the gets (worker-dht.ts `watchPhases`), and how many reached it */
function phaseQuantiles (gets: DhtGet[], step: keyof DhtGetPhases): string {
  const values = sorted(gets.map(g => g.phases?.[step] ?? null))
  return `${ms(q(values, 0.5))} / ${ms(q(values, 0.95))} (${values.length})`
}

function printTable (title: string, rows: string[][], loadBefore: number[], loadAfter: number[]): void {
  console.log(`\n${SCENARIO}: ${title}\n`)
  console.log(formatTable([['measure', 'value', 'target'], ...rows, ['load average (1 min) before / after', `${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}`, '']], 1))
}

function sorted (values: Array<number | null>): number[] {
  return values.filter((x): x is number => x != null).sort((a, b) => a - b)
}

/** nearest-rank quantile of ascending values */
function q (values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  return values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]
}

function ms (x: number | null | undefined): string {
  return x == null ? '-' : `${x.toFixed(0)} ms`
}

function minMedMax (ascending: number[]): string {
  return `${ascending[0]} / ${ascending[Math.floor(ascending.length / 2)]} / ${ascending.at(-1)}`
}
