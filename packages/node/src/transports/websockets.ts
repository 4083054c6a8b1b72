/**
 * WebSockets: every node dials `/ws` and `/wss` addresses; it listens only when asked
 * (`wsPort`), on the hosts of its TCP listeners. What a peer controls is bounded as on
 * TCP (the connection manager's caps and per-host rate apply to every transport's
 * inbound connections) plus what WebSockets adds: the HTTP upgrade request (its header
 * size and the time to send it) and the size of one WebSocket message, which the `ws`
 * server buffers whole before handing it on (100 MiB by default).
 */
import type { Listener, Logger, Transport } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'

/**
 * Largest WebSocket message accepted; a larger one closes the connection (code 1009).
 * libp2p peers send one noise frame per message (at most 64 KiB)
 */
export const WS_MAX_MESSAGE_BYTES = 1024 * 1024

/** The HTTP upgrade request: its headers must arrive within 10 s and fit 8 KiB */
export const WS_UPGRADE_LIMITS = Object.freeze({ headersTimeout: 10_000, maxHeaderSize: 8 * 1024, connectionsCheckingInterval: 1_000 })

type WebSocketsFactory = ReturnType<typeof webSockets>

/** The WebSockets transport with peershare's limits */
export function boundedWebSockets (): WebSocketsFactory {
  const factory = webSockets({ http: { ...WS_UPGRADE_LIMITS } })
  return components => {
    const transport: Transport = factory(components)
    const log = components.logger.forComponent('peershare:node:websockets')
    const createListener = transport.createListener.bind(transport)
    transport.createListener = options => guardServer(createListener(options), log)
    return transport
  }
}

/** The part of the `ws` server's options the guard changes */
interface WsServerOptions {
  maxPayload?: unknown
  WebSocket?: new (...args: any[]) => { on(event: 'error', listener: (err: Error) => void): unknown }
}

/**
 * Two gaps of @libp2p/websockets 10.1 as a listener, closed in its `ws` server's options,
 * which the server reads at each upgrade (the library offers no option for either):
 * - it builds the server without a message size, so `ws`'s 100 MiB applies;
 * - it never listens for a socket's `error` event, which `ws` emits on a malformed frame
 *   or one over the size (closing the socket itself): unheard, it ended the process, so
 *   any peer could stop the node with one bad frame. Each socket now gets a listener.
 * Should a new version move these options, listening fails with this error rather than
 * run unguarded.
 */
function guardServer (listener: Listener, log: Logger): Listener {
  const options = (listener as unknown as { wsServer?: { options?: WsServerOptions } }).wsServer?.options
  const Base = options?.WebSocket
  if (options == null || typeof options.maxPayload !== 'number' || typeof Base !== 'function') {
    throw new Error('@libp2p/websockets changed: its WebSocket server can no longer be bounded (transports/websockets.ts)')
  }
  options.maxPayload = WS_MAX_MESSAGE_BYTES
  options.WebSocket = class extends Base {
    constructor (...args: any[]) {
      super(...args)
      // `ws` has already closed the socket (1002, 1007 or 1009); the connection ends with it
      this.on('error', err => { log('closed a WebSocket: %s', err.message) })
    }
  }
  return listener
}

/**
 * The WebSockets listen addresses for `wsPort`: one per host of a TCP listen address
 * (`/ip4/0.0.0.0/tcp/4001` gives `/ip4/0.0.0.0/tcp/<wsPort>/ws`); none for `null`
 */
export function webSocketsListen (listen: string[], wsPort: number | null): string[] {
  if (wsPort == null) return []
  const hosts = new Set<string>()
  for (const text of listen) {
    const tcpHost = tcpListenHost(text)
    if (tcpHost != null) hosts.add(tcpHost)
  }
  return [...hosts].map(host => `${host}/tcp/${wsPort}/ws`)
}

/** `/ip4/<host>` of a plain TCP listen address (nothing after the port), else undefined */
function tcpListenHost (text: string): string | undefined {
  try {
    const [ip, tcp, ...rest] = multiaddr(text).getComponents()
    if ((ip?.name !== 'ip4' && ip?.name !== 'ip6') || tcp?.name !== 'tcp' || rest.length > 0) return undefined
    return `/${ip.name}/${ip.value ?? ''}`
  } catch {
    return undefined
  }
}

/** TCP ports of the plain TCP listen addresses (a WebSockets port must differ from them) */
export function tcpListenPorts (listen: string[]): number[] {
  return listen.flatMap(text => {
    try {
      const [ip, tcp, ...rest] = multiaddr(text).getComponents()
      return (ip?.name === 'ip4' || ip?.name === 'ip6') && tcp?.name === 'tcp' && rest.length === 0 ? [Number(tcp.value)] : []
    } catch {
      return []
    }
  })
}
