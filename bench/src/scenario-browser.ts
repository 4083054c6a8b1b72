/**
 * Scenario "browser" (issue 13). One real daemon shares a random file (--browser-size,
 * 64 MiB); in the same run, alternating, the file is fetched by a second daemon's `get`
 * over TCP, and by the browser peer page the daemon serves at /peer/ in headless
 * Chromium (playwright-core, /usr/bin/chromium) over WebRTC-direct and over WebSockets
 * (the sharer runs with --ws-port). Each run starts fresh: a new getter daemon, a new
 * browser context (its own empty browser storage, a new page peer), so dialling is in
 * every figure. Printed side by side: MiB/s, the ratio to TCP (target: WebRTC >= 25%),
 * time to the first verified byte, stalls (see STALL_MS), and the seconds the page's
 * main thread was busy (steadier than MiB/s on a loaded machine).
 * With --profile: the daemons' CPU profiles (node --cpu-prof) and the page's (the
 * DevTools profiler) go to <dir>/profiles. BENCH_BROWSER_BUNDLES=name=path/peer.js,…
 * also runs the page with other builds of its bundle (say, of the code before a change)
 * over WebRTC-direct, alternating with the others, for a comparison in one run.
 * Two baselines run alternating with them: the same bytes over a bare data channel to
 * a page, from Chromium itself and from node-datachannel (datachannel-ceiling.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BenchContext, formatTable } from './context.js'
import { type ChannelSender, channelRun } from './datachannel-ceiling.js'
import { chromiumPids, cpuByPid, cpuSince } from './process-cpu.js'
import { adopt } from './processes.js'
import { createRandomFile, hashFile } from './random-file.js'
import { formatSize, median } from './report.js'

const SCENARIO = 'browser'
const MiB = 1024 * 1024
const CHROMIUM = '/usr/bin/chromium'
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/bin.js', import.meta.url))
/**
 * A stall: no progress (after the first byte, before the last) for STALL_MS and for
 * STALL_FACTOR times the run's median step between progress, so that a slow but steady
 * download (a 1 MiB chunk every 0.8 s) is not counted as stalling
 */
export const STALL_MS = 1000
const STALL_FACTOR = 4
/** The issue's target: WebRTC-direct at >= 25% of TCP */
export const WEBRTC_TARGET = 0.25
/** How often the page's progress is sampled (ms) */
const SAMPLE_MS = 25
const START_TIMEOUT_MS = 60_000

type Transport = 'tcp' | 'webrtc-direct' | 'ws'
const TRANSPORTS: Transport[] = ['tcp', 'webrtc-direct', 'ws']

/** One measured way to fetch: a transport, for the page with the daemon's bundle or another one */
interface Leg {
  label: string
  transport: Transport
  /** a page bundle (peer.js) served instead of the daemon's */
  bundle?: string
  /** a baseline: a bare data channel from this sender to a page, no peershare */
  channel?: ChannelSender
}

/** The legs of a run: TCP, the page over both transports, and over WebRTC-direct per BENCH_BROWSER_BUNDLES entry */
function legs (): Leg[] {
  const own: Leg[] = TRANSPORTS.map(transport => ({ label: transport, transport }))
  const others = (process.env.BENCH_BROWSER_BUNDLES ?? '').split(',').filter(e => e !== '').map(entry => {
    const [name, bundle] = entry.split('=')
    if (bundle == null || !existsSync(bundle)) throw new Error(`BENCH_BROWSER_BUNDLES: ${entry} is not name=<existing peer.js>`)
    return { label: `webrtc-direct@${name}`, transport: 'webrtc-direct' as const, bundle }
  })
  const baselines: Leg[] = [
    { label: 'channel chromium→page', transport: 'webrtc-direct', channel: 'chromium' },
    { label: 'channel node-datachannel→page', transport: 'webrtc-direct', channel: 'node-datachannel' }
  ]
  return [...own, ...others, ...baselines]
}

interface Run {
  seconds: number
  /** time to the first verified byte (s) */
  firstByte: number
  stalls: number
  stalledSeconds: number
  /** seconds the page's main thread was busy (tasks: scripts, events, GC), a steadier figure than MiB/s on a loaded machine */
  pageCpu?: number
  /** CPU seconds used over the run (user + system; Linux), steadier still on a loaded machine: less than `pageCpu` when the thread waited for a core */
  cpu?: RunCpu
}

interface RunCpu {
  /** the sharing daemon */
  sharer: number
  /** the receiving side: the getter daemon, or all of Chromium's processes (renderer, network service, browser) */
  receiver: number
  /** the page's main thread (DevTools' ThreadTime) */
  pageThread?: number
}

/** Progress seen over a run: [seconds since start, bytes] */
type Samples = Array<[number, number]>

interface Daemon {
  child: ChildProcess
  repo: string
  peerId: string
  addresses: string[]
  api: string
}

export async function runBrowser ({ opts, work }: BenchContext): Promise<void> {
  const playwright = await import('playwright-core').catch(() => undefined)
  if (!existsSync(CHROMIUM) || playwright == null) {
    console.log(`${SCENARIO}: skipped: ${!existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : 'playwright-core is not installed'}`)
    return
  }
  const size = opts.browserSize
  const dir = await mkdtemp(join(work, 'browser-'))
  const profiles = opts.profile ? join(opts.dataRoot, 'profiles') : undefined
  const daemons: Daemon[] = []
  let browser: import('playwright-core').Browser | undefined
  try {
    console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
    const source = await createRandomFile(join(dir, 'source.bin'), size)
    const sharer = await startDaemon(join(dir, 'sharer'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/udp/0/webrtc-direct', '--ws-port', '0'], profiles)
    daemons.push(sharer)
    const { fileId } = JSON.parse(await runCli(['--repo', sharer.repo, '--json', 'share', source.path])) as { fileId: string }
    // --no-sandbox: the sandbox cannot start as root; the background networking flags keep Chromium off the internet
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
    const all = legs()
    const runs = new Map<string, Run[]>(all.map(leg => [leg.label, []]))
    for (let run = 1; run <= opts.runs; run++) {
      for (const leg of all) {
        const deadline = Date.now() + 120_000 + (size / (16 * MiB)) * 8000
        const result = leg.channel != null
          ? await channelBaseline(browser, leg.channel, size, deadline)
          : leg.transport === 'tcp'
            ? await daemonGet(sharer, fileId, source.sha256, join(dir, `get-${run}`), deadline, profiles)
            : await pageGet(browser, sharer, leg, fileId, source.sha256, deadline, profiles === undefined ? undefined : join(profiles, `page-${leg.label}-${run}.cpuprofile`))
        runs.get(leg.label)?.push(result)
        console.log(`  run ${run}/${opts.runs} ${leg.label.padEnd(29)} ${result.seconds.toFixed(2).padStart(6)} s  ${(size / MiB / result.seconds).toFixed(1).padStart(6)} MiB/s  first byte ${result.firstByte.toFixed(2)} s  stalls ${result.stalls}${result.pageCpu == null ? '' : `  page main thread ${result.pageCpu.toFixed(2)} s`}${formatCpu(result.cpu)}`)
      }
    }
    print(size, opts.runs, runs)
  } finally {
    await browser?.close()
    await Promise.all(daemons.map(stopDaemon))
    await rm(dir, { recursive: true, force: true })
  }
  if (profiles != null) console.log(`${SCENARIO}: CPU profiles of the daemons and the page in ${profiles}`)
}

/** `peershare daemon --json` on loopback without mDNS; resolves with its JSON line */
async function startDaemon (repo: string, args: string[], profiles: string | undefined): Promise<Daemon> {
  const node = profiles == null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profiles}`]
  const child = adopt(spawn(process.execPath, [...node, BIN, 'daemon', '--repo', repo, '--no-mdns', '--json', ...args], {
    env: { ...process.env, PEERSHARE_BOOTSTRAP: '', PEERSHARE_REPO: '' },
    stdio: ['ignore', 'pipe', 'inherit']
  }))
  let out = ''
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('a daemon did not start in time')) }, START_TIMEOUT_MS)
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text
      if (out.includes('\n')) { clearTimeout(timer); resolve(out.split('\n')[0]) }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`a daemon exited (code ${code})`)) })
  })
  const info = JSON.parse(line) as { peerId: string, addresses: string[], api: string }
  return { child, repo, ...info }
}

/** SIGTERM (the daemon stops cleanly, writing its CPU profile), SIGKILL after 10 s */
async function stopDaemon (daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode != null || daemon.child.signalCode != null) return
  const closed = new Promise(resolve => daemon.child.once('close', resolve))
  daemon.child.kill('SIGTERM')
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 10_000)
  await closed
  clearTimeout(timer)
}

/** Runs `peershare <args>`; resolves with its stdout, rejects when it fails */
async function runCli (args: string[], onLine?: (line: string) => void): Promise<string> {
  const child = adopt(spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PEERSHARE_REPO: '' }, stdio: ['ignore', 'pipe', 'pipe'] }))
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine?.(line)
  })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`peershare ${args.slice(2).join(' ')} exited with ${code}: ${stderr.trim()}`)
  return stdout
}

/**
 * A fresh daemon's `get --json` over TCP: timed from starting the command to its exit
 * (the file verified and written; the command's own start, ~0.1 s, is included), first
 * byte and stalls from its progress lines
 */
async function daemonGet (sharer: Daemon, fileId: string, sha256: string, repo: string, deadline: number, profiles: string | undefined): Promise<Run> {
  const getter = await startDaemon(repo, ['--listen', '/ip4/127.0.0.1/tcp/0'], profiles)
  try {
    const tcp = sharer.addresses.find(a => a.includes('/tcp/') && !a.includes('/ws'))
    if (tcp == null) throw new Error(`the sharer has no TCP address: ${sharer.addresses.join(' ')}`)
    const out = join(repo, 'out.bin')
    const samples: Samples = [[0, 0]]
    const cpuBefore = cpuByPid([sharer.child.pid, getter.child.pid])
    const started = performance.now()
    const timer = setTimeout(() => getter.child.kill('SIGKILL'), deadline - Date.now())
    try {
      await runCli(['--repo', repo, '--json', 'get', fileId, '--peer', tcp, '-o', out], line => {
        const event = JSON.parse(line) as { type: string, bytesDone?: number }
        if (event.type === 'progress' && event.bytesDone != null) samples.push([(performance.now() - started) / 1000, event.bytesDone])
      })
    } finally {
      clearTimeout(timer)
    }
    const seconds = (performance.now() - started) / 1000
    const cpu = { sharer: cpuSince(cpuBefore, [sharer.child.pid]), receiver: cpuSince(cpuBefore, [getter.child.pid]) }
    const got = (await hashFile(out)).sha256
    if (got !== sha256) throw new Error(`tcp: the file got has SHA-256 ${got}, expected ${sha256}`)
    return { ...summarise(samples, seconds), cpu }
  } finally {
    await stopDaemon(getter)
  }
}

/**
 * The page's download over one transport, in a new browser context (empty storage, a
 * new peer): timed in the page from the click on Download to the verified file's save
 * link; progress sampled every SAMPLE_MS
 */
/** A bare data channel to a page: the sender's CPU is this process's (node-datachannel) or part of Chromium's */
async function channelBaseline (browser: import('playwright-core').Browser, sender: ChannelSender, size: number, deadline: number): Promise<Run> {
  const before = cpuByPid(chromiumPids())
  const run = await channelRun(browser, sender, size, SAMPLE_MS, deadline - Date.now())
  return { ...summarise(run.samples, run.seconds), cpu: { sharer: run.senderCpu ?? Number.NaN, receiver: cpuSince(before, chromiumPids()) } }
}

async function pageGet (browser: import('playwright-core').Browser, sharer: Daemon, { transport, bundle }: Leg, fileId: string, sha256: string, deadline: number, profile: string | undefined): Promise<Run> {
  const address = sharer.addresses.find(a => transport === 'ws' ? /\/tcp\/\d+\/ws\//.test(a) : a.includes('/webrtc-direct/certhash/'))
  if (address == null) throw new Error(`the sharer has no ${transport} address: ${sharer.addresses.join(' ')}`)
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    if (bundle != null) await page.route('**/peer/peer.js', async route => route.fulfill({ path: bundle, contentType: 'text/javascript' }))
    await page.goto(`${sharer.api}/peer/`)
    await page.fill('#sources', address)
    await page.fill('#file-id', fileId)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    if (profile != null) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.start')
    }
    const busyBefore = await mainThreadSeconds(cdp)
    const threadBefore = await mainThreadCpu(cdp)
    const cpuBefore = cpuByPid([sharer.child.pid, ...chromiumPids()])
    const seen = await page.evaluate(async ({ sampleMs, timeoutMs }) => {
      const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement
      const progress = $('progress') as HTMLProgressElement
      const samples: Array<[number, number]> = [[0, 0]]
      const started = performance.now()
      ;($('start') as HTMLButtonElement).click()
      while ($('done').hidden && !$('status').classList.contains('error')) {
        if (performance.now() - started > timeoutMs) break
        await new Promise(resolve => setTimeout(resolve, sampleMs))
        if (progress.value > samples[samples.length - 1][1]) samples.push([(performance.now() - started) / 1000, progress.value])
      }
      const seconds = (performance.now() - started) / 1000
      return { seconds, samples, sha256: $('done').hidden ? undefined : $('sha256').textContent, status: $('status').textContent }
    }, { sampleMs: SAMPLE_MS, timeoutMs: deadline - Date.now() })
    const pageCpu = await mainThreadSeconds(cdp) - busyBefore
    const cpu = { sharer: cpuSince(cpuBefore, [sharer.child.pid]), receiver: cpuSince(cpuBefore, chromiumPids()), pageThread: await mainThreadCpu(cdp) - threadBefore }
    if (profile != null) await writeFile(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile))
    if (seen.sha256 == null) throw new Error(`${transport}: the page did not finish: ${seen.status}`)
    if (seen.sha256 !== sha256) throw new Error(`${transport}: the page's file has SHA-256 ${seen.sha256}, expected ${sha256}`)
    return { ...summarise(seen.samples, seen.seconds), pageCpu, cpu }
  } finally {
    await context.close()
  }
}

/** CPU seconds the page's main thread has used so far (DevTools' ThreadTime) */
async function mainThreadCpu (cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return metrics.find(m => m.name === 'ThreadTime')?.value ?? 0
}

/** Seconds the page's main thread has spent running tasks so far (DevTools' TaskDuration) */
async function mainThreadSeconds (cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return metrics.find(m => m.name === 'TaskDuration')?.value ?? 0
}

/** CPU seconds, blank where not measured apart (a sender inside Chromium) */
function seconds (cpu: number): string {
  return Number.isNaN(cpu) ? '-' : cpu.toFixed(1)
}

/** CPU seconds of a run, for its line */
function formatCpu (cpu: RunCpu | undefined): string {
  if (cpu == null) return ''
  return `  CPU s: sharer ${seconds(cpu.sharer)}, receiver ${cpu.receiver.toFixed(1)}${cpu.pageThread == null ? '' : `, page thread ${cpu.pageThread.toFixed(1)}`}`
}

/** First byte and stalls from the samples */
function summarise (samples: Samples, seconds: number): Run {
  const moving = samples.filter(([, bytes]) => bytes > 0)
  const gaps = moving.slice(1).map(([at], i) => at - moving[i][0])
  const limit = Math.max(STALL_MS / 1000, STALL_FACTOR * (gaps.length === 0 ? 0 : median(gaps)))
  let stalls = 0
  let stalledSeconds = 0
  for (const gap of gaps) {
    if (gap >= limit) { stalls++; stalledSeconds += gap }
  }
  return { seconds, firstByte: moving[0]?.[0] ?? seconds, stalls, stalledSeconds }
}

function print (size: number, runs: number, results: Map<string, Run[]>): void {
  const rate = (r: Run): number => size / MiB / r.seconds
  const tcp = median((results.get('tcp') ?? []).map(rate))
  const rows = [['', 'runs', 'MiB/s median', 'MiB/s min', 'MiB/s max', 'of TCP', 'first byte s', 'stalls', 'stalled s', 'page busy s', 'CPU s sharer', 'CPU s receiver', 'CPU s page thread']]
  const json: object[] = []
  for (const [transport, list] of results) {
    if (list.length === 0) continue
    const rates = list.map(rate)
    const figures = {
      transport,
      runs: list.length,
      mibps: median(rates),
      minMibps: Math.min(...rates),
      maxMibps: Math.max(...rates),
      ratioToTcp: median(rates) / tcp,
      firstByteSeconds: median(list.map(r => r.firstByte)),
      stalls: list.reduce((n, r) => n + r.stalls, 0),
      stalledSeconds: list.reduce((n, r) => n + r.stalledSeconds, 0),
      pageBusySeconds: list[0].pageCpu == null ? undefined : median(list.map(r => r.pageCpu ?? 0)),
      sharerCpuSeconds: median(list.map(r => r.cpu?.sharer ?? 0)),
      receiverCpuSeconds: median(list.map(r => r.cpu?.receiver ?? 0)),
      pageThreadCpuSeconds: list[0].cpu?.pageThread == null ? undefined : median(list.map(r => r.cpu?.pageThread ?? 0))
    }
    json.push(figures)
    rows.push([transport, String(figures.runs), figures.mibps.toFixed(1), figures.minMibps.toFixed(1), figures.maxMibps.toFixed(1),
      transport === 'tcp' ? '' : `${(figures.ratioToTcp * 100).toFixed(1)}%`, figures.firstByteSeconds.toFixed(2), String(figures.stalls), figures.stalledSeconds.toFixed(1), figures.pageBusySeconds?.toFixed(2) ?? '',
      seconds(figures.sharerCpuSeconds), figures.receiverCpuSeconds.toFixed(1), figures.pageThreadCpuSeconds?.toFixed(1) ?? ''])
  }
  console.log(`\n${SCENARIO} ${formatSize(size)}, one daemon sharing; a daemon's get over TCP vs the page's browser peer (headless Chromium); target WebRTC-direct >= ${WEBRTC_TARGET * 100}% of TCP, no stalls (no progress for ${STALL_MS / 1000} s and ${STALL_FACTOR}x the run's median step)\n`)
  console.log(formatTable(rows, 1))
  const webrtc = json.find(f => (f as { transport: string }).transport === 'webrtc-direct') as { ratioToTcp: number, stalls: number } | undefined
  if (webrtc != null) console.log(`\nWebRTC-direct at ${(webrtc.ratioToTcp * 100).toFixed(1)}% of TCP (${webrtc.ratioToTcp >= WEBRTC_TARGET ? 'meets' : 'BELOW'} target >= ${WEBRTC_TARGET * 100}%), ${webrtc.stalls} stall(s)`)
  const round = (x: unknown): unknown => typeof x === 'number' ? Math.round(x * 1000) / 1000 : x
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    runs,
    size,
    stallMs: STALL_MS,
    results: json.map(f => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, round(v)])))
  })}`)
}
