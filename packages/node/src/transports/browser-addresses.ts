/**
 * Which of a node's addresses a browser can dial, and who can reach each: a browser
 * speaks WebRTC-direct (with the certificate's hash in the address), WebSockets, and
 * circuit relay v2 through a relay it reaches by one of those; never plain TCP or UDP.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { BrowserAddress, BrowserAddresses } from '@peershare/client'
import { isPublicIp } from '../reachability/index.js'

export function browserAddresses (peerId: PeerId, addrs: Multiaddr[]): BrowserAddresses {
  return { peerId: peerId.toString(), addresses: addrs.flatMap(a => classify(a) ?? []) }
}

/** The address as a browser sees it, or undefined when a browser cannot dial it */
function classify (addr: Multiaddr): BrowserAddress | undefined {
  const names = addr.getComponents().map(c => c.name)
  const relay = names.indexOf('p2p-circuit')
  const firstHop = relay < 0 ? names : names.slice(0, relay)
  const transport = transportOf(firstHop)
  const scope = scopeOf(addr)
  if (transport == null || scope == null) return undefined
  return { address: addr.toString(), transport, scope, relayed: relay >= 0 }
}

function transportOf (names: string[]): BrowserAddress['transport'] | undefined {
  const [, carrier, ...rest] = names
  const upper = rest.filter(n => n !== 'p2p')
  if (carrier === 'udp' && upper[0] === 'webrtc-direct' && upper[1] === 'certhash') return 'webrtc-direct'
  if (carrier !== 'tcp') return undefined
  if (upper.length === 1 && upper[0] === 'ws') return 'ws'
  // `/wss`, or its spelled-out form `/tls/ws` (with `/sni/<name>` between)
  if (upper[0] === 'wss' || (upper[0] === 'tls' && upper.at(-1) === 'ws')) return 'wss'
  return undefined
}

/** Who can dial the first hop: this machine, the local network, or anyone (a DNS name counts as public) */
function scopeOf (addr: Multiaddr): BrowserAddress['scope'] | undefined {
  const first = addr.getComponents()[0]
  if (first == null || first.value == null) return undefined
  if (first.name === 'dns' || first.name === 'dns4' || first.name === 'dns6' || first.name === 'dnsaddr') return 'public'
  if (first.name !== 'ip4' && first.name !== 'ip6') return undefined
  const ip = first.value.toLowerCase()
  // a browser cannot name an interface for an IPv6 link-local address; a wildcard is no address to dial
  if (ip.startsWith('fe80') || ip === '::' || ip === '0.0.0.0') return undefined
  if (ip.startsWith('127.') || ip === '::1') return 'loopback'
  return isPublicIp(ip) ? 'public' : 'lan'
}
