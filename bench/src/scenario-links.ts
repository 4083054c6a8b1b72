/**
 * Scenario "links": the same file over slow, long links (link-relay.ts: a TCP proxy
 * per link that adds a round-trip delay and caps the bandwidth), fetched in the same
 * run, alternately, by peershare (`get` through the proxies' addresses), WebTorrent 3
 * (worker-webtorrent.ts, the leecher given the proxies as its only peers) and Helia
 * (worker-helia.ts, the proxies as providers). Sets: one source behind an 80 ms,
 * 100 Mbit/s link; one behind 200 ms, 20 Mbit/s; four sources behind four links of
 * different delays. Figures: MiB/s of file data and its share of the links' total rate.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import type { LinkSpec } from './link-relay.js'
import { MiB } from './options.js'
import { Worker } from './processes.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'
import { joinEachOther, medianOf } from './scenario-multi.js'

const SCENARIO = 'links'
/** share of the link rate peershare aims for (issue 14) */
export const LINK_TARGET = 0.9
const Mbit = 1_000_000 / 8

interface LinkSet {
  label: string
  links: Array<Pick<LinkSpec, 'rttMs' | 'rate'>>
}

export const LINK_SETS: LinkSet[] = [
  { label: '1 x 80ms 100Mbit/s', links: [{ rttMs: 80, rate: 100 * Mbit }] },
  { label: '1 x 200ms 20Mbit/s', links: [{ rttMs: 200, rate: 20 * Mbit }] },
  { label: '4 x 25Mbit/s 40-200ms', links: [40, 80, 120, 200].map(rttMs => ({ rttMs, rate: 25 * Mbit })) }
]

const IMPLS = ['peershare', 'webtorrent', 'helia'] as const
type Impl = typeof IMPLS[number]

interface Source { path: string, sha256: string, size: number }
/**
 * seconds from request to verified file; rxCpu: the receiver's CPU seconds meanwhile;
 * firstChunk: seconds to the first verified chunk (the set-up's round trips); perLink: the
 * file's bytes that came through each link (both peershare only)
 */
type Outcome = { seconds: number, rxCpu: number, firstChunk?: number, perLink?: number[] } | { failed: string }

/** How each implementation serves a file and fetches it through given ports */
const SERVE: Record<Impl, { script: string, args: (dir: string, i: number, file: string) => string[], port: (addr: string) => number }> = {
  peershare: { script: WORKERS.peershare, args: (dir, i, file) => ['sharer', join(dir, `sharer-${i}`), file], port: tcpPort },
  webtorrent: { script: WORKERS.webtorrent, args: (_dir, _i, file) => ['seeder', file, String(1024 * 1024)], port: addr => Number(addr.split(':')[1]) },
  helia: { script: WORKERS.helia, args: (_dir, _i, file) => ['provider', file], port: tcpPort }
}

function tcpPort (addr: string): number {
  return Number(/\/tcp\/(\d+)/.exec(addr)?.[1])
}

/** The address of a server, with its port replaced by the proxy's */
function viaProxy (impl: Impl, addr: string, port: number): string {
  return impl === 'webtorrent' ? `127.0.0.1:${port}` : addr.replace(/\/tcp\/\d+/, `/tcp/${port}`)
}

/**
 * Node settings of the peershare processes behind and before the links: the links are
 * simulated on 127.0.0.1, an address a node dials as nearby (waiting for the TLS echo,
 * one round trip); a real long link's address is public, and there the dialler proposes
 * TLS lazily, as these nodes are told to
 */
const AS_OVER_PUBLIC_ADDRESSES = { tlsOnDialledSockets: false }

/** One fetch of the file by `impl` from one server behind each link of `set` */
export async function fetchOver (ctx: BenchContext, impl: Impl, set: LinkSet, source: Source, timeoutMs: number): Promise<Outcome> {
  const dir = await mkdtemp(join(ctx.work, `links-${impl}-`))
  const ready = Date.now() + 120_000
  const serve = SERVE[impl]
  const servers = set.links.map((_, i) => new Worker(`${impl} server ${i + 1}`, serve.script, serve.args(dir, i, source.path), ctx.env(`${impl}-server`, impl === 'peershare' ? AS_OVER_PUBLIC_ADDRESSES : undefined)))
  const client = impl === 'peershare'
    ? new Worker(`${impl} getter`, WORKERS.peershare, ['getter', join(dir, 'getter')], ctx.env('peershare-getter', AS_OVER_PUBLIC_ADDRESSES))
    : impl === 'webtorrent'
      ? new Worker('webtorrent leecher', WORKERS.webtorrent, ['leecher', dir], ctx.env('webtorrent-leecher'))
      : new Worker('helia fetcher', WORKERS.helia, ['fetcher', dir], ctx.env('helia-fetcher'))
  let relay: Worker | undefined
  try {
    const shared = await Promise.all(servers.map(async s => s.next('ready', ready)))
    await client.next('ready', ready)
    // peershare sources have announced to each other, as in the multi-source scenario
    if (impl === 'peershare') await joinEachOther(servers, shared.map(s => s.addr as string), ready)
    const specs: LinkSpec[] = set.links.map((l, i) => ({ ...l, target: serve.port(shared[i].addr as string) }))
    relay = new Worker(`${set.label} relay`, WORKERS.linkRelay, [JSON.stringify(specs)])
    const ports = (await relay.next('ready', ready)).ports ?? []
    const addrs = shared.map((s, i) => viaProxy(impl, s.addr as string, ports[i]))
    const output = join(dir, 'out.bin')
    if (impl === 'peershare') client.send({ type: 'get', addr: addrs[0], fileId: shared[0].fileId as string, output, peers: addrs })
    else if (impl === 'webtorrent') client.send({ type: 'leech', torrent: shared[0].torrent as string, addrs })
    else client.send({ type: 'fetch', cid: shared[0].fileId as string, providers: addrs, output, timeoutMs })
    try {
      const done = await client.next('done', Date.now() + timeoutMs + 15_000)
      checkReceived(`${impl} over ${set.label}`, source, done)
      const firstChunk = typeof done.firstChunkSeconds === 'number' ? done.firstChunkSeconds : undefined
      return { seconds: done.seconds as number, rxCpu: await client.cpuMs(Date.now() + 10_000) / 1000, firstChunk, perLink: bytesPerLink(shared, done.sourceStats) }
    } catch (err: any) {
      client.kill()
      return { failed: /time/.test(err.message) ? `timed out after ${timeoutMs / 1000} s` : `failed: ${err.message}` }
    }
  } finally {
    await Promise.all([client.stop(), ...servers.map(async s => s.stop()), relay?.stop()])
    await rm(dir, { recursive: true, force: true })
  }
}

/** Bytes each server sent, in link order (from a peershare getter's per-source totals) */
function bytesPerLink (servers: Array<{ addr?: unknown }>, stats: unknown): number[] | undefined {
  if (!Array.isArray(stats)) return undefined
  return servers.map(s => stats.find(st => String(s.addr).endsWith(`/p2p/${st.peerId}`))?.bytes ?? 0)
}

export async function runLinks (ctx: BenchContext): Promise<void> {
  const size = ctx.opts.linkSize
  console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
  const file = await createRandomFile(join(ctx.work, 'links.bin'), size)
  const source = { ...file, size }
  const outcomes = new Map<string, Outcome[]>()
  try {
    for (const set of LINK_SETS.filter((_, i) => ctx.opts.linkSets.includes(i + 1))) {
      const rate = total(set)
      // three times the ideal time and a minute for set-up, or --timeout
      const timeoutMs = ctx.opts.timeoutMs ?? Math.round(60_000 + 3000 * size / rate)
      for (let run = 1; run <= ctx.opts.runs; run++) {
        for (const impl of IMPLS.filter(i => ctx.opts.linkImpls.includes(i))) {
          const key = `${set.label}|${impl}`
          if (outcomes.get(key)?.some(o => 'failed' in o && o.failed.startsWith('timed out')) === true) continue
          const outcome = await fetchOver(ctx, impl, set, source, timeoutMs)
          outcomes.set(key, [...(outcomes.get(key) ?? []), outcome])
          console.log(`  run ${run}/${ctx.opts.runs} ${set.label.padEnd(22)} ${impl.padEnd(10)} ${describe(outcome, size, rate)}`)
        }
      }
    }
  } finally {
    await rm(file.path, { force: true })
  }
  printLinks(size, ctx.opts.runs, outcomes)
}

function total (set: LinkSet): number {
  return set.links.reduce((sum, l) => sum + l.rate, 0)
}

function describe (o: Outcome, size: number, rate: number): string {
  if ('failed' in o) return o.failed
  const first = o.firstChunk == null ? '' : `  first chunk ${o.firstChunk.toFixed(2)} s`
  const perLink = o.perLink == null || o.perLink.length < 2 ? '' : `  MiB per link ${o.perLink.map(b => (b / MiB).toFixed(0)).join('/')}`
  return `${(size / MiB / o.seconds).toFixed(2).padStart(6)} MiB/s  ${o.seconds.toFixed(2).padStart(6)} s  ${pct(size / o.seconds / rate).padStart(6)} of the link rate  receiver CPU ${o.rxCpu.toFixed(1)} s${first}${perLink}`
}

function secondsOf (list: Outcome[] = []): number[] {
  return list.flatMap(o => ('seconds' in o ? [o.seconds] : [])).sort((a, b) => a - b)
}

function printLinks (size: number, runs: number, outcomes: Map<string, Outcome[]>): void {
  const rows = [['link(s)', 'impl', 'link MiB/s', 'MiB/s best', 'MiB/s median', '% of link (best)', '% (median)', 'runs ok', 'verdict']]
  const json = []
  for (const set of LINK_SETS) {
    const rate = total(set)
    for (const impl of IMPLS) {
      // a set or impl left out with --link-sets / --link-impls
      if (!outcomes.has(`${set.label}|${impl}`)) continue
      const list = outcomes.get(`${set.label}|${impl}`) ?? []
      const secs = secondsOf(list)
      const best = secs[0]
      const median = secs.length === 0 ? undefined : medianOf(secs)
      const mibps = (s?: number): string => (s == null ? '-' : (size / MiB / s).toFixed(2))
      const share = (s?: number): string => (s == null ? '-' : pct(size / s / rate))
      const verdict = impl !== 'peershare' || median == null ? '' : size / median / rate >= LINK_TARGET ? 'meets' : 'BELOW'
      rows.push([set.label, impl, (rate / MiB).toFixed(2), mibps(best), mibps(median), share(best), share(median), `${secs.length}/${list.length}`, verdict])
      json.push({ links: set.links, impl, runs: list.map(o => ('seconds' in o ? { seconds: Math.round(o.seconds * 1000) / 1000, rxCpuSeconds: Math.round(o.rxCpu * 100) / 100, firstChunkSeconds: o.firstChunk, bytesPerLink: o.perLink } : o)) })
    }
  }
  console.log(`\n${SCENARIO} ${formatSize(size)} (same file, same run, alternating; % = file bytes per second / the links' total rate; target peershare >= ${pct(LINK_TARGET)})\n`)
  console.log(formatTable(rows, 2))
  console.log(`BENCH_JSON ${JSON.stringify({ scenario: SCENARIO, runs, size, target: LINK_TARGET, results: json })}`)
}

function pct (x: number): string {
  return `${(x * 100).toFixed(1)}%`
}
