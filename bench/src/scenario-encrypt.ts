/**
 * Scenario "encrypt". The same random file moves between two processes on 127.0.0.1,
 * shared plain and shared encrypted for the getter (`share --to`), runs alternating:
 * share time (read + hash + store, and + encrypt) and transfer time (dial to the
 * verified file at its output, the encrypted one fetching its key and decrypting at
 * the end), side by side, with encrypted as a share of plain (target: >= 90%).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import { defaultTimeoutMs } from './options.js'
import { Worker } from './processes.js'
import { createRandomFile } from './random-file.js'
import { formatSize } from './report.js'

const SCENARIO = 'encrypt'
const MiB = 1024 * 1024

type Mode = 'plain' | 'encrypted'
interface Result { mode: Mode, shareSeconds: number, seconds: number, rxCpuMs: number, txCpuMs: number }

export async function runEncrypt ({ opts, work, env }: BenchContext): Promise<void> {
  const size = opts.sizes[0]
  console.log(`${SCENARIO} ${formatSize(size)}: writing a random file...`)
  const source = await createRandomFile(join(work, 'source.bin'), size)
  const best = new Map<Mode, Result>()
  try {
    for (let run = 1; run <= opts.runs; run++) {
      for (const mode of ['plain', 'encrypted'] as const) {
        const dir = await mkdtemp(join(work, `encrypt-${mode}-`))
        try {
          const result = await runCase(mode, source, { dir, size, env, deadline: Date.now() + defaultTimeoutMs(opts, size) })
          console.log(`  run ${run}/${opts.runs} ${mode.padEnd(9)} share ${result.shareSeconds.toFixed(2).padStart(6)} s  transfer ${result.seconds.toFixed(2).padStart(6)} s`)
          const previous = best.get(mode)
          best.set(mode, {
            ...result,
            shareSeconds: Math.min(result.shareSeconds, previous?.shareSeconds ?? Infinity),
            seconds: Math.min(result.seconds, previous?.seconds ?? Infinity)
          })
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await rm(source.path, { force: true })
  }
  print(size, opts.runs, best)
}

async function runCase (mode: Mode, source: { path: string, sha256: string }, ctx: { dir: string, size: number, env: BenchContext['env'], deadline: number }): Promise<Result> {
  const getter = new Worker('peershare getter', WORKERS.peershare, ['getter', join(ctx.dir, 'getter')], ctx.env('peershare-getter'))
  let sharer: Worker | undefined
  try {
    const ready = await getter.next('ready', ctx.deadline)
    // the encrypted share is for the getter: it needs the getter's peer id first
    const to: Record<string, string> = mode === 'encrypted' ? { BENCH_SHARE_TO: ready.peerId as string } : {}
    sharer = new Worker('peershare sharer', WORKERS.peershare, ['sharer', join(ctx.dir, 'sharer'), source.path], { ...ctx.env('peershare-sharer'), ...to })
    const shared = await sharer.next('ready', ctx.deadline)
    getter.send({ type: 'get', addr: shared.addr as string, fileId: shared.fileId as string, output: join(ctx.dir, 'out.bin'), hashOutput: true })
    const done = await getter.next('done', ctx.deadline)
    checkReceived(mode, { size: ctx.size, sha256: source.sha256 }, done)
    const [rxCpuMs, txCpuMs] = await Promise.all([getter.cpuMs(ctx.deadline), sharer.cpuMs(ctx.deadline)])
    return { mode, shareSeconds: shared.shareSeconds as number, seconds: done.seconds as number, rxCpuMs, txCpuMs }
  } finally {
    await Promise.all([getter.stop(), sharer?.stop()])
  }
}

function print (size: number, runs: number, best: Map<Mode, Result>): void {
  const plain = best.get('plain')
  const encrypted = best.get('encrypted')
  if (plain == null || encrypted == null) return
  const mibs = (seconds: number): string => (size / MiB / seconds).toFixed(1)
  const rows = [['', `share s (best of ${runs})`, 'share MiB/s', `transfer s (best of ${runs})`, 'transfer MiB/s', 'getter CPU s', 'sharer CPU s']]
  for (const r of [plain, encrypted]) {
    rows.push([r.mode, r.shareSeconds.toFixed(2), mibs(r.shareSeconds), r.seconds.toFixed(2), mibs(r.seconds), (r.rxCpuMs / 1000).toFixed(2), (r.txCpuMs / 1000).toFixed(2)])
  }
  const shareRatio = plain.shareSeconds / encrypted.shareSeconds
  const transferRatio = plain.seconds / encrypted.seconds
  rows.push(['encrypted / plain', `${(shareRatio * 100).toFixed(1)}%`, '', `${(transferRatio * 100).toFixed(1)}%`, '', '', ''])
  console.log(`\n${SCENARIO} ${formatSize(size)}, one source; throughput of encrypted as a share of plain (target transfer >= 90%)\n`)
  console.log(formatTable(rows, 1))
  const round = (x: number): number => Math.round(x * 1000) / 1000
  console.log(`BENCH_JSON ${JSON.stringify({
    scenario: SCENARIO,
    runs,
    size,
    results: [plain, encrypted].map(r => ({ mode: r.mode, shareSeconds: round(r.shareSeconds), seconds: round(r.seconds), getterCpuMs: Math.round(r.rxCpuMs), sharerCpuMs: Math.round(r.txCpuMs) })),
    transferRatio: round(transferRatio),
    shareRatio: round(shareRatio)
  })}`)
}
