/**
 * What reachability adds to the libp2p configuration (libp2p.ts): the relay
 * transport, a `/p2p-circuit` listen address when the node reserves on a relay,
 * the relay server within its caps when it serves, DCUtR, UPnP when asked, and the
 * connection gater that holds the cap on relayed connections at once.
 */
import { networkInterfaces } from 'node:os'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import type { ConnectionGater } from '@libp2p/interface'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { CircuitCap } from './circuit-cap.js'
import { type RelaySettings, relayReservationWanted, relayServerWanted, upnpWanted } from './relay-policy.js'

/** The listen address that makes the relay transport find a relay and reserve a slot on it */
const RESERVE_ON_A_RELAY = '/p2p-circuit'

export interface ReachabilityConfig {
  listen: string[]
  relay: RelaySettings
  upnp: boolean
}

export interface ReachabilityParts {
  listen: string[]
  serving: boolean
  reserving: boolean
  circuits: CircuitCap
  transport: ReturnType<typeof circuitRelayTransport>
  connectionGater: Pick<ConnectionGater, 'denyOutboundRelayedConnection'>
  /** services to add to libp2p's set, by name */
  services: {
    dcutr: ReturnType<typeof dcutr>
    relay?: ReturnType<typeof circuitRelayServer>
    upnp?: ReturnType<typeof uPnPNAT>
  }
}

export function reachabilityParts (config: ReachabilityConfig, interfaces = networkInterfaces()): ReachabilityParts {
  const { relay } = config
  const serving = relayServerWanted(relay.server, config.listen, interfaces)
  const reserving = relayReservationWanted(relay.reserve, config.listen, interfaces)
  const circuits = new CircuitCap(relay.maxCircuits)
  return {
    listen: reserving ? [...config.listen, RESERVE_ON_A_RELAY] : [...config.listen],
    serving,
    reserving,
    circuits,
    transport: circuitRelayTransport({ maxInboundStopStreams: relay.maxCircuits, maxOutboundStopStreams: relay.maxCircuits }),
    connectionGater: { denyOutboundRelayedConnection: async () => circuits.deny() },
    services: {
      dcutr: dcutr(),
      ...(serving ? { relay: relayServer(relay) } : {}),
      // the mapped address is only announced once AutoNAT confirms it from outside
      ...(upnpWanted(config.upnp, config.listen) ? { upnp: uPnPNAT({ portMappingDescription: 'peershare' }) } : {})
    }
  }
}

function relayServer (relay: RelaySettings): ReturnType<typeof circuitRelayServer> {
  return circuitRelayServer({
    maxOutboundStopStreams: relay.maxCircuits,
    reservations: {
      maxReservations: relay.maxReservations,
      reservationTtl: relay.reservationTtl,
      applyDefaultLimit: true,
      defaultDataLimit: BigInt(relay.dataLimit),
      // circuit-relay-v2's server times a relayed connection in ms
      defaultDurationLimit: relay.durationLimit
    }
  })
}
