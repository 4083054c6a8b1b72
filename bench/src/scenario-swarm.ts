/**
 * Scenario "swarm" (the DHT index): N peershare nodes in one worker process (see
 * worker-swarm.ts). Prints memory per node, how long routing tables took to fill,
 * how soon a shared file is discoverable, and provider lookup times.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, formatTable, WORKERS } from './context.js'
import { Worker } from './processes.js'
import type { SwarmResult } from './protocol.js'

const SCENARIO = 'swarm'

export async function runSwarm (ctx: BenchContext): Promise<void> {
  const { nodes, lookups } = ctx.opts
  const dir = await mkdtemp(join(ctx.work, 'swarm-'))
  console.log(`${SCENARIO}: starting ${nodes} peershare nodes (default settings: LAN and public DHT) in one process on 127.0.0.1...`)
  // start ~1 s per node on 2 cores, routing up to 90 s, lookups up to 10 s each
  const deadline = Date.now() + 120_000 + nodes * 2000 + 60_000 + lookups * 11_000
  const worker = new Worker('swarm', WORKERS.swarm, [dir, String(nodes), String(lookups)], ctx.env('swarm'))
  let result: SwarmResult
  try {
    result = (await worker.next('swarm', deadline)).result
  } finally {
    await worker.stop(30_000)
    await rm(dir, { recursive: true, force: true })
  }
  printSwarm(result)
}

function printSwarm (r: SwarmResult): void {
  const found = r.lookupMs.filter((ms): ms is number => ms != null).sort((a, b) => a - b)
  const ms = (x: number | null | undefined): string => (x == null ? '-' : `${x.toFixed(0)} ms`)
  const perNodeMB = (r.rssAfter - r.rssBefore) / r.nodes / 1e6
  const rows = [
    ['measure', 'value'],
    ['nodes ran', String(r.nodes)],
    ['start all nodes', `${r.startSeconds.toFixed(1)} s`],
    ['process RSS before / after', `${(r.rssBefore / 1e6).toFixed(0)} MB / ${(r.rssAfter / 1e6).toFixed(0)} MB`],
    ['RSS per node', `${perNodeMB.toFixed(1)} MB`],
    [`routing tables >= ${r.routingTarget} peers`, `${r.routingSettled ? '' : 'NOT reached, gave up after '}${r.routingSeconds.toFixed(1)} s`],
    ['routing table size min / median / max', r.routingSizes.join(' / ')],
    ['nodes given a routing table refresh', `${r.routingRefreshed} (still below ${r.routingTarget} peers after 15 s)`],
    ['then until the swarm went quiet', `${r.quietSeconds.toFixed(1)} s (< 50% CPU for 2 s, or 30 s at most)`],
    ['share() -> its announcement stored (2 keys)', ms(r.provideMs)],
    ['share() -> another node finds the sharer', r.discoverMs == null ? 'not within 60 s' : ms(r.discoverMs)],
    [`provider lookups (${r.lookupMs.length}, from ${r.lookupNodes} nodes)`, `${found.length} found a provider, ${r.lookupMs.length - found.length} none within 10 s`],
    ['lookup to first provider p50', ms(quantile(found, 0.5))],
    ['lookup to first provider p95', ms(quantile(found, 0.95))],
    ['lookup to first provider max', ms(found[found.length - 1])],
    ['swarm process CPU while measuring', `${(r.cpuBusy * 100).toFixed(0)}% of one core (all nodes share one JS thread)`]
  ]
  console.log(`\n${SCENARIO}: ${r.nodes} nodes ran\n`)
  console.log(formatTable(rows, 2))
  const round = (x: number): number => Math.round(x * 10) / 10
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    ...r,
    rssPerNodeMB: round(perNodeMB),
    lookupMs: r.lookupMs.map(x => (x == null ? null : round(x))),
    lookupP50Ms: round(quantile(found, 0.5) ?? NaN),
    lookupP95Ms: round(quantile(found, 0.95) ?? NaN),
    lookupMaxMs: round(found[found.length - 1] ?? NaN)
  })}`)
}

/** nearest-rank quantile of ascending values */
function quantile (sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}
