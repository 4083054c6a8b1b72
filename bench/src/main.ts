/**
 * `npm run bench`: the scenarios chosen with --scenario, in order (see options.ts):
 * cli (scenario-cli.ts), single (scenario-single.ts), swarm (scenario-swarm.ts), dht (scenario-dht.ts, nodes in several processes),
 * multi (scenario-multi.ts), helia (scenario-helia.ts), attack (scenario-attack.ts) search (scenario-search.ts), discovery (scenario-discovery.ts) compress (scenario-compress.ts), encrypt (scenario-encrypt.ts), replicate (scenario-replicate.ts, in-process nodes), browser
 * (scenario-browser.ts, daemons and headless Chromium), share (scenario-share.ts, the CLI against a daemon, vs sha256sum)
 * and links (scenario-links.ts, emulated slow links by link-relay.ts). Every figure is measured on 127.0.0.1 with worker
 * processes; benchmarks print figures and never assert timing.
 */
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, mergeNodeInit } from './context.js'
import { type Options, parseOptions, type Scenario } from './options.js'
import { killAll } from './processes.js'
import { runAttack } from './scenario-attack.js'
import { runCli } from './scenario-cli.js'
import { runHelia } from './scenario-helia.js'
import { runMulti } from './scenario-multi.js'
import { runSingle } from './scenario-single.js'
import { runSwarm } from './scenario-swarm.js'
import { runDht } from './scenario-dht.js'
import { runDiscovery } from './scenario-discovery.js'
import { runSearch } from './scenario-search.js'
import { runCompress } from './scenario-compress.js'
import { runEncrypt } from './scenario-encrypt.js'
import { runReplicate } from './scenario-replicate.js'
import { runBrowser } from './scenario-browser.js'
import { runShare } from './scenario-share.js'
import { runLinks } from './scenario-links.js'

const RUNNERS: Record<Scenario, (ctx: BenchContext) => Promise<void>> = {
  cli: runCli,
  single: runSingle,
  swarm: runSwarm,
  dht: runDht,
  multi: runMulti,
  helia: runHelia,
  attack: runAttack,
  search: runSearch,
  discovery: runDiscovery,
  compress: runCompress,
  encrypt: runEncrypt,
  replicate: runReplicate,
  browser: runBrowser,
  share: runShare,
  links: runLinks
}

async function main (): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  await mkdir(opts.dataRoot, { recursive: true })
  const work = await mkdtemp(join(opts.dataRoot, 'bench-'))
  const onSignal = (): void => {
    console.error('bench: interrupted')
    killAll()
    rmSync(work, { recursive: true, force: true })
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const profileDir = join(opts.dataRoot, 'profiles')
  if (opts.profile || opts.allocProfile) await mkdir(profileDir, { recursive: true })
  const ctx: BenchContext = { opts, work, env: workerEnv(opts, profileDir) }
  const failed: string[] = []
  const started = Date.now()
  try {
    for (const scenario of opts.scenarios) {
      const t0 = Date.now()
      console.log(`\n=== scenario ${scenario} ===`)
      try {
        await RUNNERS[scenario](ctx)
      } catch (err: any) {
        // one scenario failing must not hide the others' figures
        failed.push(scenario)
        console.error(`bench: scenario ${scenario} failed: ${err?.message ?? err}`)
        killAll()
      }
      console.log(`(scenario ${scenario} took ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
  } finally {
    killAll()
    await rm(work, { recursive: true, force: true })
  }
  if (opts.profile || opts.allocProfile) console.log(`\nprofiles: ${profileDir}`)
  console.log(`\nbench took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (failed.length > 0) throw new Error(`scenario(s) failed: ${failed.join(', ')}`)
}

/** Environment of a worker by role: where its CPU and allocation profiles go, and peershare node settings */
function workerEnv (opts: Options, profileDir: string): BenchContext['env'] {
  let profiles = 0
  return (role, nodeInit) => ({
    ...profilePaths(opts, join(profileDir, `${role}-${++profiles}`)),
    ...(nodeInit != null
      ? { BENCH_NODE_INIT: JSON.stringify(mergeNodeInit(opts.nodeInit, nodeInit)) }
      : opts.nodeInit != null && role.startsWith('peershare') ? { BENCH_NODE_INIT: JSON.stringify(opts.nodeInit) } : {})
  })
}

/** Where a worker writes the profiles asked for: `base` plus the kind's extension */
function profilePaths (opts: Options, base: string): Record<string, string> {
  return {
    ...(opts.profile ? { BENCH_PROFILE: `${base}.cpuprofile` } : {}),
    ...(opts.allocProfile ? { BENCH_ALLOC_PROFILE: `${base}.heapprofile` } : {})
  }
}

main().catch((err: any) => {
  console.error(`bench: ${err?.message ?? err}`)
  process.exitCode = 1
})
