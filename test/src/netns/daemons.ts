/**
 * Daemons placed in the namespaces of a netns/ internet, for the NAT specs: each
 * listens on its host's address (a fixed port: every namespace has its own), with its
 * defaults otherwise plus the arguments the test gives.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { children, cliJson, type DaemonProcess, startDaemon, until } from '../processes.js'
import { createInternet, netnsSkipReason } from './index.js'
import type { Internet, Namespace } from './internet.js'

/** A NAT spec's world: its own internet and temp folder, made before its tests run */
export interface NatWorld {
  net: Internet
  dir: string
}

/**
 * Registers, in the calling describe, the hooks every NAT spec needs: skip with the reason
 * when namespaces cannot run here, make the internet (`label`: a letter unique among
 * the specs) and a temp folder; after the tests, kill the daemons, remove both
 */
export function natWorld (label: string, name: string): NatWorld {
  const world = {} as NatWorld
  before(async function () {
    const skip = netnsSkipReason()
    if (skip != null) {
      console.log(`      skipped: ${skip}`)
      this.skip()
    }
    world.net = createInternet(label)
    world.dir = await mkdtemp(join(tmpdir(), `peershare-nat-${name}-`))
  })
  after(async () => {
    for (const child of children) child.kill('SIGKILL')
    await until(() => children.size === 0, 'child processes to end', 10_000).catch(() => {})
    world.net?.destroy()
    if (world.dir != null) await rm(world.dir, { recursive: true, force: true })
  })
  return world
}

/** The port every daemon listens on in its own namespace */
export const DAEMON_PORT = 4001

/** `config`: written to the daemon's config.json before it starts (settings no flag sets) */
export async function daemonIn (host: Namespace, dir: string, label: string, extraArgs: string[] = [], config?: object): Promise<DaemonProcess> {
  if (config != null) {
    await mkdir(join(dir, label), { recursive: true })
    await writeFile(join(dir, label, 'config.json'), JSON.stringify(config))
  }
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
