/**
 * CPU seconds of processes by pid, read from Linux's /proc (the browser scenario's
 * steadiest figures on a loaded machine), and the Chromium processes this one started
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** Linux's clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every architecture Linux runs on here) */
const CLOCK_TICKS = 100

/** CPU seconds (user + system) each process has used so far; processes gone or unknown are left out */
export function cpuByPid (pids: Array<number | undefined>): Map<number, number> {
  const used = new Map<number, number>()
  for (const pid of pids) {
    if (pid == null) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS)
    } catch {}
  }
  return used
}

/** CPU seconds `pids` used since `before` (a process not in `before` started since) */
export function cpuSince (before: Map<number, number>, pids: Array<number | undefined>): number {
  let sum = 0
  for (const [pid, now] of cpuByPid(pids)) sum += now - (before.get(pid) ?? 0)
  return sum
}

/** Chromium's processes: this process's descendants named chromium */
export function chromiumPids (): number[] {
  const children = new Map<number, number[]>()
  const names = new Map<number, string>()
  for (const entry of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)])
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))
    } catch {}
  }
  const found: number[] = []
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      if (names.get(child)?.startsWith('chrom') === true) found.push(child)
      walk(child)
    }
  }
  walk(process.pid)
  return found
}

/** The CPU seconds `pids` use from now until the returned function is called, the wall seconds, and the cores that makes */
export function cpuFrom (pids: Array<number | undefined>): () => { seconds: number, wallSeconds: number, cores: number } {
  const before = cpuByPid(pids)
  const start = Date.now()
  return () => {
    const seconds = cpuSince(before, pids)
    const wallSeconds = (Date.now() - start) / 1000
    return { seconds, wallSeconds, cores: seconds / wallSeconds }
  }
}
