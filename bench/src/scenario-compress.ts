/**
 * Scenario "compress". A compressible file (log lines) and an incompressible one
 * (random bytes) move from a sharer whose upload is limited to --source-rate to a
 * getter, with chunk compression on and off (both sides), in the same run: time,
 * chunk bytes on the wire (the getter's count of received chunk data) and the
 * sharer's CPU, side by side.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import { defaultTimeoutMs } from './options.js'
import { Worker } from './processes.js'
import { PIECE } from './protocol.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'

const SCENARIO = 'compress'
const MiB = 1024 * 1024

interface Case { file: 'text' | 'random', compression: boolean }
interface CaseResult extends Case { seconds: number, wireBytes: number, txCpuMs: number }

export async function runCompress ({ opts, work, env }: BenchContext): Promise<void> {
  const size = opts.compressSize
  const rate = opts.sourceRate
  console.log(`${SCENARIO} ${formatSize(size)} over ${(rate / MiB).toFixed(1)} MiB/s: writing a log file and a random file...`)
  const files = {
    text: await createLogFile(join(work, 'server.log'), size),
    random: await createRandomFile(join(work, 'random.bin'), size)
  }
  const cases: Case[] = [
    { file: 'text', compression: true }, { file: 'text', compression: false },
    { file: 'random', compression: true }, { file: 'random', compression: false }
  ]
  const best = new Map<Case, CaseResult>()
  try {
    for (let run = 1; run <= opts.runs; run++) {
      for (const c of cases) {
        const dir = await mkdtemp(join(work, `compress-${c.file}-`))
        try {
          const result = await runCase(c, files[c.file], { dir, size, rate, env, deadline: Date.now() + defaultTimeoutMs(opts, size) })
          console.log(`  run ${run}/${opts.runs} ${c.file.padEnd(6)} compression ${c.compression ? 'on ' : 'off'} ${result.seconds.toFixed(2).padStart(6)} s  ${(result.wireBytes / MiB).toFixed(1).padStart(6)} MiB on the wire  sharer CPU ${(result.txCpuMs / 1000).toFixed(2)} s`)
          const previous = best.get(c)
          if (previous == null || result.seconds < previous.seconds) best.set(c, result)
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await Promise.all(Object.values(files).map(async f => rm(f.path, { force: true })))
  }
  print(size, rate, opts.runs, [...best.values()])
}

async function runCase (c: Case, source: { path: string, sha256: string }, ctx: { dir: string, size: number, rate: number, env: BenchContext['env'], deadline: number }): Promise<CaseResult> {
  const exchange = { compression: c.compression }
  const sharer = new Worker('peershare sharer', WORKERS.peershare, ['sharer', join(ctx.dir, 'sharer'), source.path], ctx.env('peershare-sharer', { exchange, limits: { upload: ctx.rate } }))
  const getter = new Worker('peershare getter', WORKERS.peershare, ['getter', join(ctx.dir, 'getter')], ctx.env('peershare-getter', { exchange }))
  try {
    const [shared] = await Promise.all([sharer.next('ready', ctx.deadline), getter.next('ready', ctx.deadline)])
    getter.send({ type: 'get', addr: shared.addr as string, fileId: shared.fileId as string, output: join(ctx.dir, 'out.bin') })
    const done = await getter.next('done', ctx.deadline)
    checkReceived(`${c.file} compression ${c.compression ? 'on' : 'off'}`, { size: ctx.size, sha256: source.sha256 }, done)
    const txCpuMs = await sharer.cpuMs(ctx.deadline)
    return { ...c, seconds: done.seconds as number, wireBytes: done.wireBytes ?? ctx.size, txCpuMs }
  } finally {
    await Promise.all([getter.stop(), sharer.stop()])
  }
}

function print (size: number, rate: number, runs: number, results: CaseResult[]): void {
  const rows = [['file', 'compression', `seconds (best of ${runs})`, 'MiB/s of content', 'MiB on the wire', 'wire / content', 'sharer CPU s']]
  for (const r of results) {
    rows.push([r.file, r.compression ? 'on' : 'off', r.seconds.toFixed(2), (size / MiB / r.seconds).toFixed(1), (r.wireBytes / MiB).toFixed(1), `${(r.wireBytes / size * 100).toFixed(1)}%`, (r.txCpuMs / 1000).toFixed(2)])
  }
  console.log(`\n${SCENARIO} ${formatSize(size)} per file, sharer upload limit ${(rate / MiB).toFixed(1)} MiB/s (wire = chunk data received)\n`)
  console.log(formatTable(rows, 2))
  const round = (x: number): number => Math.round(x * 1000) / 1000
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    runs,
    size,
    sourceRate: rate,
    results: results.map(r => ({ file: r.file, compression: r.compression, seconds: round(r.seconds), wireBytes: r.wireBytes, sharerCpuMs: Math.round(r.txCpuMs) }))
  })}`)
}

/** Log lines with varying numbers: about what server logs compress to (several times smaller) */
async function createLogFile (path: string, size: number): Promise<{ path: string, sha256: string }> {
  const hash = createHash('sha256')
  const file = await open(path, 'wx')
  let i = 0
  try {
    for (let done = 0; done < size;) {
      const lines: string[] = []
      let length = 0
      while (length < PIECE) {
        const line = `2026-11-30T18:${String((i / 600 | 0) % 60).padStart(2, '0')}:${String((i / 10 | 0) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z INFO http GET /files/${(i * 7919) % 100_003} 200 ${(i * 31) % 997} ms peer=${(i * 104_729 % 65_536).toString(16)}\n`
        lines.push(line)
        length += line.length
        i++
      }
      const piece = Buffer.from(lines.join('')).subarray(0, Math.min(PIECE, size - done))
      hash.update(piece)
      await file.write(piece, 0, piece.byteLength, done)
      done += piece.byteLength
    }
  } finally {
    await file.close()
  }
  return { path, sha256: hash.digest('hex') }
}
