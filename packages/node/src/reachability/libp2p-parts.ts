/**
 * What reachability adds to the libp2p configuration (libp2p.ts): the relay
 * transport, the controller that reserves on a relay and serves as one as runtime
 * reachability says (controller.ts; the start-time guess is its first verdict), DCUtR,
 * UPnP when asked, and the connection gater that holds the cap on relayed connections.
 */
import { networkInterfaces } from 'node:os'
import { type CircuitRelayServerInit, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import type { ConnectionGater } from '@libp2p/interface'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { CircuitCap } from './circuit-cap.js'
import { reachabilityController } from './controller.js'
import { type RelaySettings, relayReservationWanted, relayServerWanted, upnpWanted } from './relay-policy.js'

export interface ReachabilityConfig {
  listen: string[]
  relay: RelaySettings
  upnp: boolean
}

export interface ReachabilityParts {
  listen: string[]
  circuits: CircuitCap
  transport: ReturnType<typeof circuitRelayTransport>
  connectionGater: Pick<ConnectionGater, 'denyOutboundRelayedConnection'>
  /** services to add to libp2p's set, by name */
  services: {
    dcutr: ReturnType<typeof dcutr>
    upnp?: ReturnType<typeof uPnPNAT>
    reachability: ReturnType<typeof reachabilityController>
  }
}

export function reachabilityParts (config: ReachabilityConfig, interfaces = networkInterfaces()): ReachabilityParts {
  const { relay } = config
  // the start-time guess from listen addresses and interfaces, whatever the modes say
  const guessPublic = relayServerWanted('auto', config.listen, interfaces)
  const guessUnreachable = relayReservationWanted('auto', config.listen, interfaces)
  const circuits = new CircuitCap(relay.maxCircuits)
  const upnp = upnpWanted(config.upnp, config.listen)
  // a `/p2p-circuit` in the settings is the controller's to open and close
  const listen = config.listen.filter(a => a !== '/p2p-circuit')
  return {
    listen,
    circuits,
    transport: circuitRelayTransport({ maxInboundStopStreams: relay.maxCircuits, maxOutboundStopStreams: relay.maxCircuits }),
    connectionGater: { denyOutboundRelayedConnection: async () => circuits.deny() },
    services: {
      dcutr: dcutr(),
      // the mapped address is only announced once AutoNAT confirms it from outside
      ...(upnp ? { upnp: uPnPNAT({ portMappingDescription: 'peershare' }) } : {}),
      reachability: reachabilityController({
        reserve: relay.reserve === 'auto' && listen.length < config.listen.length ? 'on' : relay.reserve,
        server: relay.server,
        initial: guessPublic ? 'reachable' : guessUnreachable ? 'unreachable' : undefined,
        listens: listen.length > 0,
        timings: { verifyWindow: relay.verifyWindow, settleTime: relay.settleTime, minAutonatPeers: relay.minAutonatPeers },
        relayServer: relayServer(relay),
        circuits,
        upnp
      })
    }
  }
}

function relayServer (relay: RelaySettings): CircuitRelayServerInit {
  return {
    maxOutboundStopStreams: relay.maxCircuits,
    reservations: {
      maxReservations: relay.maxReservations,
      reservationTtl: relay.reservationTtl,
      applyDefaultLimit: true,
      defaultDataLimit: BigInt(relay.dataLimit),
      // circuit-relay-v2's server times a relayed connection in ms
      defaultDurationLimit: relay.durationLimit
    }
  }
}
