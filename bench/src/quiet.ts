/** Waiting for a swarm of nodes in one process to settle before measuring it */
import { setTimeout as sleep } from 'node:timers/promises'
import { now } from './protocol.js'

/** Under this share of one core for 2 s counts as quiet */
export const QUIET_CPU = 0.5
const QUIET_WAIT_MS = 30_000

/**
 * Waits (at most 30 s) for a 2 s window in which this process used less than
 * QUIET_CPU of a core: the joining storm (self-queries, refreshes, new-contact pings)
 * is over and the measurements see the swarm's steady state. Returns seconds waited.
 */
export async function waitForQuiet (): Promise<number> {
  const start = now()
  while (now() - start < QUIET_WAIT_MS) {
    const cpu0 = process.cpuUsage()
    const t0 = now()
    await sleep(2000)
    const { user, system } = process.cpuUsage(cpu0)
    if ((user + system) / 1000 / (now() - t0) < QUIET_CPU) break
  }
  return (now() - start) / 1000
}
