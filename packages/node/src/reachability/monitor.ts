/**
 * What the node knows of its reachability, for `peershare status`: a libp2p
 * service, so it reads the address manager (which addresses are verified, which
 * come from a UPnP mapping, when AutoNAT last confirmed one) without reaching into
 * libp2p's internals.
 */
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ReachabilityStatus } from '@peershare/client'
import type { CircuitCap } from './circuit-cap.js'
import { hasPublicAddress } from './relay-policy.js'

/** One of the node's addresses as libp2p's address manager describes it (@libp2p/interface-internal `NodeAddress`) */
export interface NodeAddress {
  multiaddr: Multiaddr
  /** confirmed (AutoNAT, or a transport address) and announced to peers */
  verified: boolean
  /** where it comes from: `ip-mapping` is a UPnP mapping */
  type: string
  lastVerified?: number
}

/** The part of libp2p's address manager the monitor reads (a libp2p service receives it) */
export interface AddressManager {
  getAddressesWithMetadata(): NodeAddress[]
}

export interface MonitorInit {
  circuits: CircuitCap
  serving: boolean
  reserving: boolean
  upnp: boolean
  maxReservations: number
}

export class ReachabilityMonitor {
  private relay: Pick<CircuitRelayService, 'reservations'> | undefined

  constructor (private readonly components: { addressManager: AddressManager }, private readonly init: MonitorInit) {}

  /** The relay server's reservations (when this node serves) */
  bindRelay (relay: Pick<CircuitRelayService, 'reservations'> | undefined): void {
    this.relay = relay
  }

  status (): ReachabilityStatus {
    const { circuits, serving, reserving, upnp, maxReservations } = this.init
    return {
      ...classifyReachability(this.components.addressManager.getAddressesWithMetadata()),
      upnp,
      reserving,
      relayServer: {
        serving,
        reservations: this.relay?.reservations.size ?? 0,
        maxReservations: serving ? maxReservations : 0,
        circuits: circuits.active(),
        maxCircuits: serving ? circuits.max : 0,
        refusedCircuits: circuits.refused
      }
    }
  }
}

export function reachabilityMonitor (init: MonitorInit): (components: { addressManager: AddressManager }) => ReachabilityMonitor {
  return components => new ReachabilityMonitor(components, init)
}

type AddressPart = Pick<ReachabilityStatus, 'reachability' | 'publicAddresses' | 'mappedAddresses' | 'relayAddresses' | 'autonat'>

/**
 * public: a verified public address of our own (listened on, or observed and confirmed
 * by AutoNAT); nat-mapped: only a verified UPnP mapping; relayed: only relay
 * addresses; unknown: none of these (AutoNAT has not confirmed anything yet).
 */
export function classifyReachability (addresses: Array<Pick<NodeAddress, 'multiaddr' | 'verified' | 'type' | 'lastVerified'>>): AddressPart {
  const text = (a: Pick<NodeAddress, 'multiaddr'>): string => a.multiaddr.toString()
  const verified = addresses.filter(a => a.verified)
  const relayAddresses = verified.map(text).filter(a => a.includes('/p2p-circuit'))
  const mappedAddresses = verified.filter(a => a.type === 'ip-mapping').map(text).filter(a => hasPublicAddress([a]))
  const publicAddresses = verified.filter(a => a.type !== 'ip-mapping').map(text).filter(a => hasPublicAddress([a]))
  const reachability = publicAddresses.length > 0 ? 'public' : mappedAddresses.length > 0 ? 'nat-mapped' : relayAddresses.length > 0 ? 'relayed' : 'unknown'
  return { reachability, publicAddresses, mappedAddresses, relayAddresses, autonat: lastConfirmation(addresses) }
}

/** AutoNAT's last confirmation of an address others observed (or a mapping), and how many wait for one */
function lastConfirmation (addresses: Array<Pick<NodeAddress, 'multiaddr' | 'verified' | 'type' | 'lastVerified'>>): ReachabilityStatus['autonat'] {
  const checked = addresses.filter(a => a.type !== 'transport')
  const last = checked.filter(a => a.lastVerified != null).sort((a, b) => (b.lastVerified ?? 0) - (a.lastVerified ?? 0))[0]
  return {
    lastConfirmed: last == null ? null : { address: last.multiaddr.toString(), at: new Date(last.lastVerified ?? 0).toISOString() },
    unconfirmed: checked.filter(a => !a.verified).length
  }
}
