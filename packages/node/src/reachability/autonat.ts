/**
 * AutoNAT (@libp2p/autonat, v1) with dial-backs on fresh connections.
 *
 * As an AutoNAT server, @libp2p/autonat 3.0.x dials the requester's address with
 * `connectionManager.openConnection(addr)`, which returns the connection the requester
 * already holds to us (libp2p reuses any open direct connection to the peer), then
 * closes "the dial-back" in a `finally`. So every request closed the requester's own
 * connection: a node behind NAT asking its relay to check its address lost the
 * connection its reservation lived on, reconnected, asked again, and so on; and the
 * reused connection could also pass for a successful dial-back (a false "reachable").
 *
 * Here the AutoNAT service gets a connection manager whose `openConnection` dials a new
 * connection (`force`) for a dial-back, so it tests the address for real and closing it
 * closes only itself. The server dials one address at a time; the client's search for
 * peers to ask dials a peer's address list, and reusing a connection there is right.
 */
import { autoNAT, type AutoNATServiceInit } from '@libp2p/autonat'

type AutoNATFactory = ReturnType<typeof autoNAT>
type AutoNATComponents = Parameters<AutoNATFactory>[0]
type ConnectionManager = AutoNATComponents['connectionManager']

export function freshDialAutoNAT (init: AutoNATServiceInit = {}): AutoNATFactory {
  const factory = autoNAT(init)
  return components => {
    const connectionManager = components.connectionManager
    const openConnection: ConnectionManager['openConnection'] = async (peer, options) =>
      connectionManager.openConnection(peer, Array.isArray(peer) ? options : { ...options, force: true })
    const withFreshDialBacks = new Proxy(connectionManager, {
      get: (target, name) => {
        if (name === 'openConnection') return openConnection
        const value = Reflect.get(target, name, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
    // every other component stays as it is (read through the prototype)
    return factory(Object.create(components, { connectionManager: { value: withFreshDialBacks } }))
  }
}
