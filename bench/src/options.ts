/** Command-line options of `npm run bench` */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { IMPLS, type Impl } from './report.js'

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB
const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url))

export const SCENARIOS = ['cli', 'single', 'swarm', 'dht', 'multi', 'helia', 'attack', 'search', 'discovery', 'compress', 'encrypt', 'replicate', 'browser', 'share',
  'links'] as const
export type Scenario = typeof SCENARIOS[number]

const USAGE = `usage: npm run bench -- [options]
  --scenario LIST  scenarios to run, in this order (default: all):
                     cli     peershare id and --version: wall time of 10 runs each
                     single  one source: peershare, a raw libp2p stream, WebTorrent
                             and node:net, alternating in each run
                     swarm   DHT index: N nodes, time to provide and to find providers
                     dht     DHT across processes: --dht-nodes in --dht-processes,
                             routing fill, provide and lookup p50/p95; 20 nodes in 4:
                             time to first verified byte of get by id, warm and fresh;
                             then its CPU per node left alone for 90 s
                     multi   transfer engine: 1, 2, 4, 8 rate-limited sources vs ideal
                     helia   the same file by Helia bitswap, 1 and 2 providers
                     attack  a provider against never-reading streams (1 and 8
                             connections x 32) and 10 peers of silent sessions
                     search  local search at N cached offers: index build time,
                             heap, p50/p95 of 4 query kinds (target p95 <= 50 ms)
                     discovery  N nodes (--nodes): announcement reach, remote search,
                             a late joiner catching up --catch-up-offers offers
                     compress  a text (log) file and a random one over a link of
                             --source-rate, compression on and off: time, wire bytes
                     encrypt  one file (the first --size) shared plain and encrypted
                             for the getter: share and transfer time side by side
                     replicate  20 in-process nodes, 3 files (the first --size, at
                             most 64MiB) kept at 3:5: time to min, repair after 2
                             holders stop, bytes moved vs ideal
                     browser  one daemon shares --browser-size; alternating, a second
                             daemon's get over TCP and the page's browser peer in
                             headless Chromium over WebRTC-direct and WebSockets:
                             MiB/s, ratio to TCP (target WebRTC >= 25%), first
                             byte, stalls (skipped without /usr/bin/chromium)
                     share   peershare share of one file (the first --size; 1GiB
                             for the issue's figure), in place and --copy, vs
                             sha256sum, cold (root: caches dropped) and warm
                     links   one file over emulated slow, long links (80 ms
                             100 Mbit/s; 200 ms 20 Mbit/s; 4 sources behind 4
                             links of 40-200 ms): peershare, WebTorrent, Helia
  --runs N         runs per measurement (default 2; swarm runs once)
  --dir PATH       where temporary files go (default bench/.data)
  --node-init JSON extra PeershareNode.create() settings for the peershare nodes of
                   single, multi and helia, e.g. '{"muxer":{"streamWindowBytes":8388608}}'
                   (to try tuning; per-source pipeline depth adapts on its own)
                   Peershare workers run with the Node flags of \`peershare daemon\`
                   (packages/cli/bin/daemon-process.js); env BENCH_NODE_DEFAULTS=1
                   runs them with Node's defaults instead
  --variant-init JSON, --variant-flags=FLAGS
                   single: also run 'variant', peershare with these extra
                   PeershareNode.create() settings and/or Node flags (after the
                   daemon's), next to peershare in every run (first in every
                   other run): a change measured in pairs, so the machine's
                   drift from one minute to the next falls on both (it moved
                   rates 10-20% here)
 single:
  --size S[,S...]  file sizes, e.g. 64MiB, 256MiB, 1GiB (default 256MiB)
  --large          same as --size 1GiB
  --rss-check      run 256MiB, 1GiB and 4GiB and compare the receiver's peak RSS
                   (the check runs on whatever sizes run, also without the flag)
  --only LIST      run only these of peershare, variant, baseline (the raw
                   libp2p stream), webtorrent, net (node:net + sha256 + disk)
  --timeout SEC    limit for one run (default 120 s + 4 s per 16 MiB; also multi, helia)
  --profile        write a .cpuprofile of each worker's transfer phase to <dir>/profiles
  --alloc-profile  write a .heapprofile of each worker's transfer phase to <dir>/profiles:
                   sampled allocations, garbage included (what makes GC work); it
                   slows the workers, so its runs' timings are not the figures
 swarm:
  --nodes N        peershare nodes in the swarm (default 50)
  --lookups N      provider lookups, each from another node (default 30)
 dht:
  --dht-nodes N    nodes in the large swarm (default 100)
  --dht-processes N  worker processes they run in (default 5)
 multi:
  --multi-size S   file size (default 128MiB)
  --source-rate R  upload limit of each source, bytes/s with units (default 8MiB)
  --quick          skip the 8-source run
  --multi-sets LIST  which source sets: 1, 2, 4, 8 (N x R) and mixed (4R + 3 x R/2);
                   default all (8 not with --quick)
 search:
  --search-offers N  cached offers to index (default 100000)
 discovery:
  --catch-up-offers N  offers a late joiner catches up (default 10000)
 compress:
  --compress-size S  size of each file (default 32MiB); the link is --source-rate
 browser:
  --browser-size S  file size (default 64MiB); --profile adds the daemons' and the
                   page's CPU profiles
 helia:
  --helia-size S   file size (default 128MiB)
  --helia-timeout SEC  limit for one Helia fetch, reported as "timed out" (default 180)
 links:
  --link-size S    file size (default 64MiB)
  --link-sets LIST which link sets, by number: 1 (80 ms, 100 Mbit/s), 2 (200 ms,
                   20 Mbit/s), 3 (4 x 25 Mbit/s, 40-200 ms); default all
  --link-impls LIST  which of peershare, webtorrent, helia (default all)`

export interface Options {
  scenarios: Scenario[]
  sizes: number[]
  runs: number
  /** single: the impls to run, in order (--only, or all but 'variant' unless one is given) */
  impls: Impl[]
  timeoutMs?: number
  dataRoot: string
  profile: boolean
  allocProfile: boolean
  /** PeershareNode.create() settings for every peershare worker (--node-init) */
  nodeInit?: Record<string, unknown>
  /** single: peershare with other settings, run beside it ('variant') */
  variant?: { init: Record<string, unknown>, flags: string[] }
  nodes: number
  lookups: number
  dhtNodes: number
  dhtProcesses: number
  multiSize: number
  sourceRate: number
  quick: boolean
  /** source sets to run: '1', '2', '4', '8', 'mixed' */
  multiSets: string[]
  heliaSize: number
  heliaTimeoutMs: number
  searchOffers: number
  catchUpOffers: number
  compressSize: number
  browserSize: number
  linkSize: number
  /** link sets to run, 1-based into LINK_SETS */
  linkSets: number[]
  linkImpls: string[]
}

export function parseOptions (argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: SCENARIOS.join(',') },
      size: { type: 'string' },
      large: { type: 'boolean', default: false },
      'rss-check': { type: 'boolean', default: false },
      runs: { type: 'string', default: '2' },
      only: { type: 'string' },
      timeout: { type: 'string' },
      dir: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'alloc-profile': { type: 'boolean', default: false },
      'node-init': { type: 'string' },
      'variant-init': { type: 'string' },
      'variant-flags': { type: 'string' },
      nodes: { type: 'string', default: '50' },
      lookups: { type: 'string', default: '30' },
      'dht-nodes': { type: 'string', default: '100' },
      'dht-processes': { type: 'string', default: '5' },
      'multi-size': { type: 'string', default: '128MiB' },
      'source-rate': { type: 'string', default: '8MiB' },
      quick: { type: 'boolean', default: false },
      'multi-sets': { type: 'string', default: '1,2,4,8,mixed' },
      'helia-size': { type: 'string', default: '128MiB' },
      'helia-timeout': { type: 'string', default: '180' },
      'search-offers': { type: 'string', default: '100000' },
      'catch-up-offers': { type: 'string', default: '10000' },
      'compress-size': { type: 'string', default: '32MiB' },
      'browser-size': { type: 'string', default: '64MiB' },
      'link-size': { type: 'string', default: '64MiB' },
      'link-sets': { type: 'string', default: '1,2,3' },
      'link-impls': { type: 'string', default: 'peershare,webtorrent,helia' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const scenarios = values.scenario.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const s of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--scenario: unknown '${s}' (choose from ${SCENARIOS.join(', ')})`)
  }
  let sizes = (values.size ?? '256MiB').split(',').map(parseSize)
  if (values.large) sizes = [GiB]
  // the RSS check compares every size run (also without the flag)
  if (values['rss-check']) sizes = [256 * MiB, GiB, 4 * GiB]
  const runs = positiveInt('--runs', values.runs)
  const only = values.only?.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const impl of only ?? []) {
    if (!(IMPLS as readonly string[]).includes(impl)) throw new Error(`--only: unknown '${impl}' (choose from ${IMPLS.join(', ')})`)
  }
  const variantInit = jsonObject('--variant-init', values['variant-init'])
  const variantFlags = values['variant-flags']?.split(/\s+/).filter(f => f !== '') ?? []
  const variant = variantInit != null || variantFlags.length > 0 ? { init: variantInit ?? {}, flags: variantFlags } : undefined
  // the variant runs when asked for; --only names it to run it alone with peershare
  const impls = only == null || only.length === 0 ? IMPLS.filter(impl => impl !== 'variant' || variant != null) : IMPLS.filter(impl => only.includes(impl))
  if (impls.includes('variant') && variant == null) throw new Error('--only variant needs --variant-init or --variant-flags')
  if (variant != null && !impls.includes('variant')) throw new Error('--variant-init and --variant-flags need variant in --only')
  const timeout = values.timeout == null ? undefined : Number(values.timeout)
  if (timeout != null && !(timeout > 0)) throw new Error(`--timeout must be a positive number of seconds`)
  const heliaTimeout = Number(values['helia-timeout'])
  if (!(heliaTimeout > 0)) throw new Error(`--helia-timeout must be a positive number of seconds`)
  const nodes = positiveInt('--nodes', values.nodes)
  if (nodes < 3) throw new Error('--nodes must be at least 3')
  const dhtNodes = positiveInt('--dht-nodes', values['dht-nodes'])
  const dhtProcesses = positiveInt('--dht-processes', values['dht-processes'])
  // three processes at least: each looks up the files of the two before it
  if (dhtProcesses < 3 || dhtNodes < 5 * dhtProcesses) throw new Error('--dht-processes must be at least 3, with at least 5 --dht-nodes each')
  return {
    scenarios: SCENARIOS.filter(s => scenarios.includes(s)),
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs,
    impls,
    timeoutMs: timeout == null ? undefined : timeout * 1000,
    dataRoot: resolve(values.dir ?? join(BENCH_DIR, '.data')),
    profile: values.profile,
    allocProfile: values['alloc-profile'],
    nodeInit: jsonObject('--node-init', values['node-init']),
    variant,
    nodes,
    lookups: positiveInt('--lookups', values.lookups),
    dhtNodes,
    dhtProcesses,
    multiSize: parseSize(values['multi-size']),
    sourceRate: parseSize(values['source-rate'].replace(/\/s$/i, '')),
    quick: values.quick,
    multiSets: listOf('--multi-sets', values['multi-sets'], ['1', '2', '4', '8', 'mixed']),
    heliaSize: parseSize(values['helia-size']),
    heliaTimeoutMs: heliaTimeout * 1000,
    searchOffers: positiveInt('--search-offers', values['search-offers']),
    catchUpOffers: positiveInt('--catch-up-offers', values['catch-up-offers']),
    compressSize: parseSize(values['compress-size']),
    browserSize: parseSize(values['browser-size']),
    linkSize: parseSize(values['link-size']),
    linkSets: listOf('--link-sets', values['link-sets'], ['1', '2', '3']).map(Number),
    linkImpls: listOf('--link-impls', values['link-impls'], ['peershare', 'webtorrent', 'helia'])
  }
}

/** A comma-separated list whose every item is one of `allowed` */
function listOf (flag: string, text: string, allowed: string[]): string[] {
  const items = text.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const item of items) {
    if (!allowed.includes(item)) throw new Error(`${flag}: unknown '${item}' (choose from ${allowed.join(', ')})`)
  }
  if (items.length === 0) throw new Error(`${flag}: name at least one of ${allowed.join(', ')}`)
  return items
}

function positiveInt (flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got '${text}'`)
  return n
}

/** "256MiB", "1GiB", "64M", "1g" (binary units) or a plain byte count */
export function parseSize (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(text)
  if (m == null) throw new Error(`Bad size '${text}' (try 64MiB, 256MiB or 1GiB)`)
  const unit = { k: 1024, m: MiB, g: GiB }[(m[2] ?? '').toLowerCase()] ?? 1
  const bytes = Math.round(Number(m[1]) * unit)
  if (bytes < 1) throw new Error(`Size must be at least 1 byte: '${text}'`)
  return bytes
}

/** Default time limit of one transfer of `size` bytes */
export function defaultTimeoutMs (opts: Options, size: number): number {
  return opts.timeoutMs ?? 120_000 + (size / (16 * MiB)) * 4000
}

/** `json` (the value of option `name`) as an object; undefined when not given; anything but a JSON object is refused */
function jsonObject (name: string, json: string | undefined): Record<string, unknown> | undefined {
  if (json == null) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {}
  if (typeof parsed !== 'object' || parsed == null || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object, got '${json}'`)
  return parsed as Record<string, unknown>
}
