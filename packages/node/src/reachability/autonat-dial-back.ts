/**
 * AutoNAT v1 whose server side really dials back. @libp2p/autonat 3.0.x (as server)
 * dials the asking peer on the address it wants checked without `force`, and the
 * connection manager hands back the connection the request came on (the asking peer
 * is always connected to us). Either that connection's address matches, and the server
 * closes it after "succeeding", killing the request's own stream so no answer arrives;
 * or it does not match and the server answers E_DIAL_ERROR for an address it never
 * dialled. Either way no js peer ever confirms another's public address (seen in the
 * netns NAT tests: a public relay and a public downloader stayed unverified, with no
 * announced address and the public DHT in client mode). Giving the service a connection
 * manager whose dials open a new connection makes the check what the spec means it to be.
 */
import { autoNAT, type AutoNATComponents, type AutoNATServiceInit } from '@libp2p/autonat'

type ConnectionManager = AutoNATComponents['connectionManager']

export function autoNATWithFreshDialBack (init?: AutoNATServiceInit): (components: AutoNATComponents) => unknown {
  const factory = autoNAT(init)
  return components => factory(withConnectionManager(components, freshDials(components.connectionManager)))
}

/** Dials that never reuse an existing connection (AutoNAT also dials random-walk peers with it: those are rarely connected already) */
function freshDials (manager: ConnectionManager): ConnectionManager {
  return new Proxy(manager, {
    get (target, property) {
      if (property === 'openConnection') {
        return async (peer: Parameters<ConnectionManager['openConnection']>[0], options?: Parameters<ConnectionManager['openConnection']>[1]) =>
          target.openConnection(peer, { ...options, force: true })
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/** libp2p's components object answers by property (a Proxy): wrap it rather than copy it */
function withConnectionManager (components: AutoNATComponents, connectionManager: ConnectionManager): AutoNATComponents {
  return new Proxy(components, {
    get: (target, property) => property === 'connectionManager' ? connectionManager : Reflect.get(target, property, target)
  })
}
