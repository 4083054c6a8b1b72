/**
 * Real NATs on one machine, for tests: network namespaces (`ip netns`) joined by veth
 * pairs and bridges, with iptables MASQUERADE on the home routers.
 *
 * - `netnsSkipReason()`: why these tests cannot run here (not root, `ip` or `iptables`
 *   missing: Debian packages iproute2 and iptables), or undefined.
 * - `createInternet()`: a public segment; `addPublicHost` puts a host on it,
 *   `addHomeLan` a router (WAN side on the public segment, NAT) with a LAN behind it,
 *   whose `addHost` adds hosts there. Each host has loopback up, so a daemon's control
 *   API on 127.0.0.1 is reached by a CLI run in the same namespace.
 * - Run programs inside with `namespace.exec(...)` or processes.ts's `netns` options.
 * - Names are unique per test process (`ps<pid>-...`); `destroy()` kills what runs in
 *   them and deletes them; it also runs when the process exits, so a failed or
 *   interrupted test leaves nothing behind.
 *
 * The public segment is PUBLIC_PREFIX.0/24, not a documentation range (198.51.100.0/24,
 * 203.0.113.0/24): libp2p counts those as private (@libp2p/utils private-ip), so its UPnP
 * refuses such an external address (DoubleNATError) and AutoNAT never checks one. The
 * namespaces have no link to the host's network, so no packet of theirs leaves the machine.
 */
import { execFileSync } from 'node:child_process'
import { Internet } from './internet.js'

export type { HomeLan, Namespace } from './internet.js'
export type { Internet } from './internet.js'

export const PUBLIC_PREFIX = '11.0.0'

/** Why the namespace tests cannot run on this machine, or undefined when they can */
export function netnsSkipReason (): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  for (const [tool, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables']]) {
    try {
      execFileSync(tool, ['-V'], { stdio: 'ignore' })
    } catch {
      return `\`${tool}\` is missing (Debian package ${pkg})`
    }
  }
  return undefined
}

const live = new Set<Internet>()
let hooked = false

/** A new small internet; `destroy()` it in an after hook (process exit does it too) */
export function createInternet (label = 'net'): Internet {
  if (!hooked) {
    hooked = true
    process.once('exit', () => { for (const net of live) net.destroy() })
  }
  const net = new Internet({ publicPrefix: PUBLIC_PREFIX, tag: `ps${process.pid}${label}` })
  live.add(net)
  const destroy = net.destroy.bind(net)
  net.destroy = () => {
    live.delete(net)
    destroy()
  }
  return net.open()
}
