/**
 * Scenario "dht" (issue 14's DHT figures), in two swarms of peershare nodes spread
 * over several worker processes (worker-dht.ts; not all in one JavaScript thread):
 * - --dht-nodes (100) nodes in --dht-processes (5): routing-table fill time, provide
 *   time, and provider lookups from nodes in other processes: right after the tables
 *   filled, again once the swarm's start-up work died down, and a third time at rest
 *   with each provide and each lookup alone in the swarm; routing-table sizes at the end;
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
import { cpuFrom } from './process-cpu.js'
import { Worker } from './processes.js'
import type { DhtCommand, DhtFile, DhtGet, DhtGetPhases, DhtReply } from './protocol.js'
import { type ProcessesQuiet, waitForQuietProcesses } from './quiet.js'
import { sequential } from './sequential.js'

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
/**
 * The large swarm counts as at rest below this many cores of CPU (all its workers
 * together) over QUIET_WINDOW_MS: a 100-node full mesh at rest (gossipsub heartbeats,
 * DHT upkeep) used about 0.5-0.7 of the 2 cores with libp2p's ping streams (measured,
 * 2026-12-04), 0.34-0.59 with yamux ping frames instead (2026-12-05)
 */
const QUIET_CORES = 1
const QUIET_WINDOW_MS = 10_000
const QUIET_WAIT_MS = 240_000
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

  /** Every node's LAN routing-table size, smallest first */
  async routingSizes (): Promise<number[]> {
    return (await Promise.all(this.workers.map(async (_, i) => (await this.ask(i, { op: 'routing' })).sizes))).flat().sort((a, b) => a - b)
  }

  /**
   * Every node's LAN routing-table size, open connections, those to peers never
   * identified, and why a table of 0 or 1 is so small, smallest table first; and the
   * bootstrap node's state. A node connected to nobody dials out to say why, so this
   * reconnects it: call it after the measure it would change.
   */
  async tables (): Promise<{ tables: Array<{ size: number, connections: number, unidentified: number, whySmall?: string }>, bootstrap?: string }> {
    const replies = await Promise.all(this.workers.map(async (_, i) => this.ask(i, { op: 'routing', detail: true })))
    const tables = replies.flatMap(r => r.sizes.map((size: number, j: number) => ({ size, connections: r.connections[j] as number, unidentified: r.unidentified?.[j] as number, whySmall: r.whySmall?.[j] as string | undefined })))
    return { tables: tables.sort((a, b) => a.size - b.size), bootstrap: replies.find(r => r.bootstrap != null)?.bootstrap }
  }

  /** Seconds from all nodes started until every LAN routing table held `target` peers (or gave up), and the sizes then */
  async waitForRouting (target: number): Promise<{ seconds: number, settled: boolean, sizes: number[] }> {
    const t1 = Date.now()
    while (true) {
      const sizes = await this.routingSizes()
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

/** A round's figures, per file: its provide and share() to records stored; per lookup, until it named the sharer */
interface Round { provideMs: Array<number | null>, shareMs: Array<number | null>, lookupMs: Array<number | null> }

/** Its own figures: the round right after the routing tables filled, while the swarm still digests its start */
interface LookupFigures extends Round {
  nodes: number
  processes: number
  startSeconds: number
  routing: Awaited<ReturnType<DhtSwarm['waitForRouting']>>
  /** once the swarm's start-up work died down (`quiet`) */
  settled: Round
  /** at rest, each provide and each lookup alone in the swarm */
  alone: Round
  /** every node's LAN routing-table size once the rounds are done, smallest first */
  routingAtEnd: number[]
  quiet: ProcessesQuiet
}

/**
 * Two rounds of provides and lookups: right after the routing tables filled, the
 * lookups right after the provides (the swarm of 100 nodes started within 20 s on 2
 * cores is still busy with its start: dials, table refreshes, catalog pulls; and with
 * the provides' tails); and at rest: the provides once the swarm's CPU use fell to what
 * it needs when left alone, the lookups once it fell there again after the provides
 * (a swarm of nodes on their own machines is mostly at rest: 20 provides at once are
 * not 100 nodes' work on 2 cores there)
 */
async function lookupFigures (swarm: DhtSwarm): Promise<LookupFigures> {
  const routing = await swarm.waitForRouting(ROUTING_TARGET)
  console.log(`  ${SCENARIO}: routing tables >= ${ROUTING_TARGET} peers: ${routing.settled ? '' : 'NOT '}after ${routing.seconds.toFixed(1)} s (min / median / max ${minMedMax(routing.sizes)})`)
  // a small table beside its node's open connections: a node cut off, or one its DHT did not learn from (identify never completed)
  const { tables, bootstrap } = await swarm.tables()
  const smallest = tables.slice(0, 3)
  console.log(`  ${SCENARIO}: the 3 smallest tables, peers / open connections / to peers never identified: ${smallest.map(t => `${t.size} / ${t.connections} / ${t.unidentified}`).join(', ')}`)
  for (const t of smallest.filter(t => t.whySmall != null)) console.log(`  ${SCENARIO}: a node with a table of ${t.size}: ${t.whySmall}`)
  console.log(`  ${SCENARIO}: the bootstrap node then: ${bootstrap ?? '?'}`)
  const counted = await swarm.printCounters('start and routing')
  const first = await provideAndLookUp(swarm, [1, 2, 3, 4], 0, counted)
  const quiet = await quietAgain(swarm, 'after the start')
  // the provides' tails (the rest of the closest peers, every node storing the 20 announcements) pass before the lookups too
  const settled = await provideAndLookUp(swarm, [5, 6, 7, 8], 8, await swarm.counters(), async () => { await quietAgain(swarm, 'after the provides') })
  await quietAgain(swarm, 'after the lookups')
  // on their own machines nodes do not share 2 cores: one provide or lookup at a time shows what one costs, not what five at once cost the machine
  const alone = await provideAndLookUp(swarm, [9, 10, 11, 12], 16, await swarm.counters(), async () => { await quietAgain(swarm, 'after the provides') }, true)
  const routingAtEnd = await swarm.routingSizes()
  return { nodes: swarm.total, processes: swarm.workers.length, startSeconds: swarm.startSeconds, routing, ...first, settled, alone, quiet, routingAtEnd }
}

async function quietAgain (swarm: DhtSwarm, when: string): Promise<ProcessesQuiet> {
  const quiet = await waitForQuietProcesses(swarm.workers.map(w => w.pid), { cores: QUIET_CORES, windowMs: QUIET_WINDOW_MS, waitMs: QUIET_WAIT_MS })
  console.log(`  ${SCENARIO}: ${when}, swarm CPU ${quiet.cores.toFixed(2)} cores over ${QUIET_WINDOW_MS / 1000} s, ${quiet.settled ? '' : 'NOT '}below ${QUIET_CORES} after ${quiet.seconds.toFixed(1)} s`)
  return quiet
}

/**
 * Sharers: nodes `sharers` of every worker; each file looked up from two nodes in the
 * next two workers (from node `lookerOffset` + 5 on). Each worker provides, and looks
 * up, one file at a time; the workers all at once, or with `oneAtATime` one after another.
 */
async function provideAndLookUp (swarm: DhtSwarm, sharers: number[], lookerOffset: number, counted: Record<string, number>, beforeLookups = async (): Promise<void> => {}, oneAtATime = false): Promise<Round> {
  const P = swarm.workers.length
  const eachWorker = async <T>(fn: (w: number) => Promise<T>): Promise<T[]> => oneAtATime ? sequential(swarm.workers.map((_, w) => w), fn) : Promise.all(swarm.workers.map(async (_, w) => fn(w)))
  const cpu = swarmCpu(swarm)
  const shared = await eachWorker(async w => swarm.ask(w, { op: 'share', nodes: sharers.filter(n => n < swarm.counts[w]) }))
  const list = (xs: Array<number | null>): string => xs.map(x => x == null ? 'failed' : x.toFixed(0)).join(' ')
  console.log(`  ${SCENARIO}: provided ${shared.reduce((n, s) => n + s.files.length, 0)} files, ms: ${list(shared.flatMap(s => s.provideMs))}; from share() called: ${list(shared.flatMap(s => s.shareMs))}; of which queued: ${list(shared.flatMap(s => s.queuedMs))}; ${cpu()}`)
  counted = await swarm.printCounters('provides', counted)
  await beforeLookups()
  const lookupCpu = swarmCpu(swarm)
  const lookups = await eachWorker(async w => {
    const items = [1, 2].flatMap(k => shared[(w + P - k) % P].files.map((file, j) => ({ node: (5 + lookerOffset + j + k * 4) % swarm.counts[w], file })))
    return (await swarm.ask(w, { op: 'lookup', items })).ms
  })
  console.log(`  ${SCENARIO}: lookups, ms: ${lookups.flat().map(x => x == null ? 'none' : x.toFixed(0)).join(' ')}; ${lookupCpu()}`)
  await swarm.printCounters('lookups', counted)
  return { provideMs: shared.flatMap(s => s.provideMs), shareMs: shared.flatMap(s => s.shareMs), lookupMs: lookups.flat() }
}

/**
 * The workers' CPU seconds from now until the returned function is called, and the
 * wall time, as text: a figure less at the mercy of the machine's moment than the
 * latencies (what the nodes did, not how long they waited for a core)
 */
function swarmCpu (swarm: DhtSwarm): () => string {
  const used = cpuFrom(swarm.workers.map(w => w.pid))
  return () => {
    const { seconds, wallSeconds } = used()
    return `swarm CPU ${seconds.toFixed(1)} s in ${wallSeconds.toFixed(1)} s`
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
 * The swarm's CPU once no one asks it anything (the connections' keep-alive pings, gossipsub
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
    const used = cpuFrom(pids)
    await sleep(IDLE_SAMPLE_MS)
    windows.push(used().cores / nodes * 100)
  }
  return { firstPercent: windows[0], lowestPercent: Math.min(...windows), connectionsPerNode: connections.reduce((a, b) => a + b, 0) / connections.length }
}

/** The large swarm's table (and its BENCH_JSON line) */
function printLookups (big: LookupFigures, loadBefore: number[], loadAfter: number[]): void {
  // each list's values that came in, in order
  const sortedOf = (round: Round): { provide: number[], shared: number[], found: number[] } =>
    ({ provide: sorted(round.provideMs), shared: sorted(round.shareMs), found: sorted(round.lookupMs) })
  const rows = (label: string, round: Round): string[][] => {
    const { provide, shared, found } = sortedOf(round)
    return [
      [`${label}: provide (${round.provideMs.length} files, 2 keys) p50 / p95`, `${ms(q(provide, 0.5))} / ${ms(q(provide, 0.95))}${provide.length < round.provideMs.length ? ` (${round.provideMs.length - provide.length} not within 60 s)` : ''}`, '<= 2000 ms'],
      ['  share() called -> records stored p50 / p95', `${ms(q(shared, 0.5))} / ${ms(q(shared, 0.95))}`, ''],
      [`  provider lookups (${round.lookupMs.length}, other processes)`, `${found.length} found the sharer, ${round.lookupMs.length - found.length} not within 10 s`, ''],
      ['  provider lookup p50 / p95 / max', `${ms(q(found, 0.5))} / ${ms(q(found, 0.95))} / ${ms(found.at(-1))}`, 'p95 <= 500 ms']
    ]
  }
  printTable(`${big.nodes} nodes in ${big.processes} processes`, [
    ['start all nodes', `${big.startSeconds.toFixed(1)} s`, ''],
    [`routing tables >= ${ROUTING_TARGET} peers (from all started)`, `${big.routing.settled ? '' : 'NOT reached, gave up after '}${big.routing.seconds.toFixed(1)} s`, ''],
    ['routing table size min / median / max', minMedMax(big.routing.sizes), ''],
    ...rows('during start', big),
    [`swarm at rest (< ${QUIET_CORES} core) after`, `${big.quiet.settled ? '' : 'NOT reached, gave up after '}${big.quiet.seconds.toFixed(1)} s more (${big.quiet.cores.toFixed(2)} cores)`, ''],
    ...rows('at rest (lookups once at rest again)', big.settled),
    ...rows('at rest, one at a time in the swarm', big.alone),
    ['routing table size at the end min / median / max', minMedMax(big.routingAtEnd), '']
  ], loadBefore, loadAfter)
  const figures = (round: Round): Record<string, number | undefined> => {
    const { provide, shared, found } = sortedOf(round)
    return { provideP50Ms: q(provide, 0.5), provideP95Ms: q(provide, 0.95), shareP50Ms: q(shared, 0.5), shareP95Ms: q(shared, 0.95), lookupP50Ms: q(found, 0.5), lookupP95Ms: q(found, 0.95) }
  }
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: `${SCENARIO}-lookups`,
    ...big,
    routing: { ...big.routing, sizes: minMedMax(big.routing.sizes) },
    routingAtEnd: minMedMax(big.routingAtEnd),
    ...figures(big),
    atRest: figures(big.settled),
    oneAtATime: figures(big.alone),
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
