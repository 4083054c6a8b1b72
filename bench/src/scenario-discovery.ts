/**
 * Scenario "discovery" (issue 9): N peershare nodes with default settings in one
 * worker process (worker-discovery.ts). Prints how fast an announcement reaches every
 * node (p50, p99, share reached), remote search times across the swarm, and how long
 * a late joiner takes to catch up a catalog of many offers, beside the targets.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, formatTable, WORKERS } from './context.js'
import { Worker } from './processes.js'
import type { DiscoveryResult } from './protocol.js'

const SCENARIO = 'discovery'

export async function runDiscovery (ctx: BenchContext): Promise<void> {
  const { nodes, catchUpOffers } = ctx.opts
  const dir = await mkdtemp(join(ctx.work, 'discovery-'))
  console.log(`${SCENARIO}: starting ${nodes} peershare nodes (default settings) in one process on 127.0.0.1...`)
  const deadline = Date.now() + nodes * 2000 + 90_000 + 5 * 15_000 + 20 * 5000 + catchUpOffers * 5 + 180_000
  const worker = new Worker('discovery', WORKERS.discovery, [dir, String(nodes), String(catchUpOffers)], ctx.env('discovery'))
  let result: DiscoveryResult
  try {
    result = (await worker.next('discovery', deadline)).result
  } finally {
    await worker.stop(30_000)
    await rm(dir, { recursive: true, force: true })
  }
  printDiscovery(result)
}

function printDiscovery (r: DiscoveryResult): void {
  const reached = r.reachMs.filter((ms): ms is number => ms != null).sort((a, b) => a - b)
  const within1s = reached.filter(ms => ms <= 1000).length / r.reachMs.length
  const first = r.firstAnswerMs.filter((ms): ms is number => ms != null).sort((a, b) => a - b)
  const done = [...r.searchDoneMs].sort((a, b) => a - b)
  const ms = (x: number | undefined): string => (x == null ? '-' : `${x.toFixed(0)} ms`)
  const rows = [
    ['measure', 'value', 'target'],
    ['nodes', String(r.nodes), ''],
    ['gossip peers per node (min) / wait', `${r.meshMin} / ${r.meshSeconds.toFixed(1)} s`, ''],
    ['then until the swarm went quiet', `${r.quietSeconds.toFixed(1)} s`, ''],
    ['swarm process CPU / event-loop delay p99 while measuring', `${(r.cpuBusy * 100).toFixed(0)}% of a core / ${r.loopDelayP99Ms.toFixed(0)} ms`, ''],
    [`announcement reach (${r.announcements} offers x ${r.nodes - 1} nodes)`, `${reached.length} of ${r.reachMs.length}`, 'all'],
    ['  reached within 1 s', `${(within1s * 100).toFixed(1)}%`, '>= 99%'],
    ['  time to reach a node p50', ms(quantile(reached, 0.5)), ''],
    ['  time to reach a node p99', ms(quantile(reached, 0.99)), '<= 1000 ms'],
    [`remote search (${r.searchDoneMs.length}, from different nodes)`, `${r.searchAnswered} of ${r.searchAsked} peers answered`, ''],
    ['  first remote answer p50 / p95', `${ms(quantile(first, 0.5))} / ${ms(quantile(first, 0.95))}`, 'p95 <= 1000 ms'],
    ['  all answers in p50 / p95', `${ms(quantile(done, 0.5))} / ${ms(quantile(done, 0.95))}`, ''],
    [`late joiner catches up ${r.catchUpOffers} offers (2 nodes)`, r.caughtUp ? `${r.catchUpSeconds.toFixed(1)} s` : `NOT within ${r.catchUpSeconds.toFixed(0)} s`, 'seconds'],
    ['  (signing them took)', `${r.signSeconds.toFixed(1)} s`, '']
  ]
  console.log(`\n${SCENARIO}: ${r.nodes} nodes\n`)
  console.log(formatTable(rows, 1))
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    nodes: r.nodes,
    cpuBusy: r.cpuBusy,
    loopDelayP99Ms: r.loopDelayP99Ms,
    reached: reached.length,
    reachTotal: r.reachMs.length,
    reachWithin1s: within1s,
    reachP50Ms: quantile(reached, 0.5),
    reachP99Ms: quantile(reached, 0.99),
    firstAnswerP50Ms: quantile(first, 0.5),
    firstAnswerP95Ms: quantile(first, 0.95),
    searchDoneP50Ms: quantile(done, 0.5),
    searchDoneP95Ms: quantile(done, 0.95),
    catchUpOffers: r.catchUpOffers,
    catchUpSeconds: r.catchUpSeconds,
    caughtUp: r.caughtUp
  })}`)
}

/** nearest-rank quantile of ascending values */
function quantile (sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}
