/**
 * CPU time of a process's threads by kind, from /proc/self/task (Linux; elsewhere
 * nothing): what the process-wide figure is made of. On the 2-core bench machine the
 * sender and receiver share the cores, so work on any thread (hashing on a worker
 * thread, file I/O on libuv's pool, V8's collector helpers) takes time from the
 * transfer; this shows which.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Thread names (Linux `comm`) as the bench reports them */
const KINDS: Array<[RegExp, string]> = [
  [/^MainThread$|^node$/, 'main'],
  [/^WorkerThread$/, 'workers'],
  [/^libuv-worker$/, 'fs pool'],
  [/^V8Worker$|^DelayedTaskSche/, 'V8 helpers']
]

/** ms of CPU (user + system) of every thread of this process, by thread id */
export function threadTimes (): Map<string, { kind: string, ms: number }> {
  const times = new Map<string, { kind: string, ms: number }>()
  let tasks: string[]
  try {
    tasks = readdirSync('/proc/self/task')
  } catch {
    return times
  }
  // clock ticks: 100 a second on Linux (sysconf(_SC_CLK_TCK) is not reachable from Node)
  const MS_PER_TICK = 10
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      // fields after the name: state is the first; utime and stime are the 12th and 13th
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const kind = KINDS.find(([pattern]) => pattern.test(comm))?.[1] ?? 'other'
      times.set(task, { kind, ms: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK })
    } catch {}
  }
  return times
}

/** CPU ms by thread kind since `before` (threads started since count whole) */
export function threadCpuSince (before: Map<string, { kind: string, ms: number }>): Record<string, number> {
  const byKind: Record<string, number> = {}
  for (const [task, { kind, ms }] of threadTimes()) {
    const spent = ms - (before.get(task)?.ms ?? 0)
    if (spent > 0) byKind[kind] = (byKind[kind] ?? 0) + spent
  }
  return byKind
}

/** "main 910, workers 420, fs pool 470, V8 helpers 300" (ms), largest first */
export function formatThreadCpu (byKind: Record<string, number> | undefined): string {
  if (byKind == null) return ''
  return Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([kind, ms]) => `${kind} ${ms}`).join(', ')
}
