/**
 * Which addresses the browser peer may dial. Browsers refuse loopback and private
 * addresses by default (libp2p's browser gater), since a web page probing the LAN is a
 * classic attack; a peer of ours must reach the daemons its user named, often on
 * 127.0.0.1 or the LAN. So: a host the user gave is allowed, any other private,
 * loopback or link-local host is refused, public addresses are allowed.
 */
import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Hosts the user allowed (IPv4/IPv6 text, or DNS names) */
export class AllowedHosts {
  private readonly hosts = new Set<string>()

  /** Allows the host of each address (an address with no IP or DNS part adds nothing) */
  allow (addrs: Multiaddr[]): void {
    for (const addr of addrs) {
      const host = hostOf(addr)
      if (host != null) this.hosts.add(host)
    }
  }

  has (host: string): boolean {
    return this.hosts.has(host)
  }

  /** The gater for libp2p: private hosts only when allowed */
  gater (): ConnectionGater {
    return {
      denyDialMultiaddr: (addr: Multiaddr) => {
        const host = hostOf(addr)
        if (host == null) return false
        return !this.hosts.has(host) && isPrivateHost(host)
      }
    }
  }
}

/** The address's first IP or DNS value */
export function hostOf (addr: Multiaddr): string | undefined {
  const part = addr.getComponents().find(c => ['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'].includes(c.name))
  return part?.value?.toLowerCase()
}

const PRIVATE_V4: Array<[number, number]> = [
  // [network as a 32-bit number, prefix length]
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16], [0xac100000, 12], [0xc0a80000, 16]
]

/** Loopback, private, shared (CGNAT), link-local, unspecified; `localhost` and `.local` names */
export function isPrivateHost (host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true
  const v4 = parseIpv4(host)
  if (v4 != null) return PRIVATE_V4.some(([net, bits]) => (v4 >>> (32 - bits)) === (net >>> (32 - bits)))
  if (!host.includes(':')) return false
  const h = host.replace(/^\[|\]$/g, '')
  if (h === '::' || h === '::1') return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
  if (mapped != null) return isPrivateHost(mapped[1])
  const first = Number.parseInt(h.split(':')[0] || '0', 16)
  // fc00::/7 unique local, fe80::/10 link-local
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80
}

function parseIpv4 (host: string): number | undefined {
  const parts = host.split('.')
  if (parts.length !== 4 || parts.some(p => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined
  return parts.reduce((n, p) => (n * 256) + Number(p), 0) >>> 0
}
