/**
 * `peershare stop`: asks the running daemon to stop, as Ctrl+C or SIGTERM does (its
 * downloads are saved and resume at its next start), and waits until its process has
 * ended, so that the repo is free for the next command when this one returns.
 */
import type { CommandContext } from '../context.js'
import { defineError } from '@peershare/client'

export interface StopOptions {
  json?: boolean
}

/** How long a daemon may take to stop (its last checkpoint, its connections closing) */
const STOP_WAIT_MS = 120_000
const POLL_MS = 100

const StopTimeoutError = defineError('StopTimeoutError', 'ERR_TIMEOUT')

export interface StopContext extends Pick<CommandContext, 'client' | 'print'> {
  /** whether process `pid` is still there */
  alive?: (pid: number) => boolean
}

export async function stop (options: StopOptions, { client, print, alive = processAlive }: StopContext): Promise<void> {
  const info = await client.id()
  const { pid } = await client.stop()
  const end = Date.now() + STOP_WAIT_MS
  while (alive(pid)) {
    if (Date.now() > end) throw new StopTimeoutError(`The daemon (pid ${pid}) was asked to stop and is still running after ${STOP_WAIT_MS / 1000} s; \`kill ${pid}\` asks again, \`kill -9 ${pid}\` ends it (its downloads resume from their last checkpoint)`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
  if (options.json === true) print(JSON.stringify({ stopped: true, peerId: info.peerId, pid }))
  else print(`Stopped the daemon ${info.peerId} (pid ${pid})`)
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    // EPERM: there, but another user's (a pid used again): not ours to wait for
    return err?.code !== 'ESRCH' && err?.code !== 'EPERM'
  }
}
