/**
 * Whether a node serves as a relay and whether it takes a reservation on one. On
 * `auto` both follow from the addresses the node listens on and the host's network
 * interfaces, known before libp2p starts: a host with a public address that the node
 * listens on can be dialled (it may relay); a node listening on nothing, or only on
 * private addresses of a host that has no public one (a desktop behind a home
 * router), cannot (it reserves). Loopback-only nodes (one machine) do neither.
 */
import type { NetworkInterfaceInfo } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'

export type RelayMode = 'auto' | 'on' | 'off'

export interface RelaySettings {
  /** Relay for other peers: `auto` when this node listens on a public address */
  server: RelayMode
  /** Take a relay reservation and announce its address: `auto` when nobody can dial this node directly */
  reserve: RelayMode
  /** Peers holding a reservation with us at once; more are refused */
  maxReservations: number
  /** Relayed connections through us at once; more are refused */
  maxCircuits: number
  /** Bytes (both directions together) one relayed connection may carry before we close it */
  dataLimit: number
  /** How long one relayed connection may stay open before we close it (ms) */
  durationLimit: number
  /** How long a reservation lasts unless the peer renews it (ms) */
  reservationTtl: number
  /** Unreachable when AutoNAT verified no address this long after `minAutonatPeers` peers able to check were met (ms) */
  verifyWindow: number
  /** How long a new reachability verdict must hold before reservations and the relay server follow it (ms) */
  settleTime: number
  /** AutoNAT-capable peers met before "nothing verified" counts as unreachable */
  minAutonatPeers: number
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>

export function relayServerWanted (mode: RelayMode, listen: string[], interfaces: Interfaces): boolean {
  if (mode !== 'auto') return mode === 'on'
  const hosts = listenHosts(listen)
  return publicHostAddresses(interfaces).some(ip => hosts.has(ip) || hosts.has(wildcardOf(ip)))
}

export function relayReservationWanted (mode: RelayMode, listen: string[], interfaces: Interfaces): boolean {
  if (mode !== 'auto') return mode === 'on'
  const hosts = [...listenHosts(listen)]
  if (hosts.length === 0) return true
  // loopback only: a node on one machine, which every peer there can dial
  if (hosts.every(isLoopback)) return false
  return !relayServerWanted('auto', listen, interfaces) && !hosts.some(isPublicIp)
}

/**
 * UPnP maps a port on the router to an address of ours on the LAN: a node listening on
 * loopback only (tests, one machine) has nothing to map and sends no SSDP search
 */
export function upnpWanted (upnp: boolean, listen: string[]): boolean {
  return upnp && [...listenHosts(listen)].some(h => !isLoopback(h))
}

/** True when one of `addrs` (multiaddr strings) is an IP address on the public internet, not through a relay */
export function hasPublicAddress (addrs: string[]): boolean {
  return addrs.some(a => !a.includes('/p2p-circuit') && isPublicIp(hostOf(a) ?? ''))
}

function listenHosts (listen: string[]): Set<string> {
  return new Set(listen.filter(a => !a.includes('/p2p-circuit')).map(hostOf).filter((h): h is string => h != null))
}

function hostOf (addr: string): string | undefined {
  try {
    const first = multiaddr(addr).getComponents()[0]
    return first?.name === 'ip4' || first?.name === 'ip6' ? first.value : undefined
  } catch {
    return undefined
  }
}

function publicHostAddresses (interfaces: Interfaces): string[] {
  return Object.values(interfaces).flatMap(list => list ?? []).filter(i => !i.internal).map(i => i.address).filter(isPublicIp)
}

function wildcardOf (ip: string): string {
  return ip.includes(':') ? '::' : '0.0.0.0'
}

function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1'
}

/** Not loopback, private (RFC 1918, CGNAT, link-local, ULA) nor a wildcard */
export function isPublicIp (ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase()
    return !(lower === '::' || lower === '::1' || lower.startsWith('fe80') || lower.startsWith('fc') || lower.startsWith('fd'))
  }
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some(p => !Number.isInteger(p) || p < 0 || p > 255)) return false
  const [a, b] = parts
  return !(a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224)
}
