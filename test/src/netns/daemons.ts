/**
 * Daemons placed in the namespaces of a netns/ internet, for the NAT specs: each
 * listens on its host's address (a fixed port: every namespace has its own), with its
 * defaults otherwise plus the arguments the test gives.
 */
import { join } from 'node:path'
import { cliJson, type DaemonProcess, startDaemon } from '../processes.js'
import type { Namespace } from './internet.js'

/** The port every daemon listens on in its own namespace */
export const DAEMON_PORT = 4001

export async function daemonIn (host: Namespace, dir: string, label: string, extraArgs: string[] = []): Promise<DaemonProcess> {
  return startDaemon(join(dir, label), dir, extraArgs, { netns: host.name, listen: `/ip4/${host.ip}/tcp/${DAEMON_PORT}` })
}

/** The daemon's address on its own host, with /p2p/<peer id> (its JSON line may come before libp2p lists it) */
export function addressOf (d: DaemonProcess, host: Namespace): string {
  return `/ip4/${host.ip}/tcp/${DAEMON_PORT}/p2p/${d.info.peerId}`
}

/** Polls `peershare <args> --json` in the daemon's namespace until `test` holds for its output */
export async function pollJson<T> (d: DaemonProcess, args: string[], dir: string, what: string, test: (out: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: T | undefined
  while (Date.now() < end) {
    last = await cliJson(d, args, dir) as T
    if (test(last)) return last
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
}
