/** Waiting for a swarm of nodes, in one process or spread over several, to settle before measuring it */
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuFrom } from './process-cpu.js'

/** Under this share of one core for 2 s counts as quiet */
export const QUIET_CPU = 0.5
const QUIET_WAIT_MS = 30_000

/**
 * Waits (at most 30 s) for a 2 s window in which this process used less than
 * QUIET_CPU of a core: the joining storm (self-queries, refreshes, new-contact pings)
 * is over and the measurements see the swarm's steady state. Returns seconds waited.
 */
export async function waitForQuiet (): Promise<number> {
  return (await waitForQuietProcesses([process.pid], { cores: QUIET_CPU, windowMs: 2000, waitMs: QUIET_WAIT_MS })).seconds
}

/** How a swarm spread over processes settled: seconds waited, whether it did, its cores in the last window */
export interface ProcessesQuiet { seconds: number, settled: boolean, cores: number }

/** Waits until processes `pids` together use less than `cores` over a `windowMs` window (at most `waitMs`) */
export async function waitForQuietProcesses (pids: Array<number | undefined>, limits: { cores: number, windowMs: number, waitMs: number }): Promise<ProcessesQuiet> {
  const t0 = Date.now()
  while (true) {
    const used = cpuFrom(pids)
    await sleep(limits.windowMs)
    const { cores } = used()
    const settled = cores < limits.cores
    if (settled || Date.now() - t0 > limits.waitMs) return { seconds: (Date.now() - t0) / 1000, settled, cores }
  }
}
