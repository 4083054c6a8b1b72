/**
 * Browser to browser: a page becomes reachable by other pages through a daemon that
 * serves as a circuit relay v2 (`--relay-server on`), opt-in. The page takes a
 * reservation on the relay the user named and announces `<relay>/p2p-circuit/webrtc/p2p/<page>`;
 * a page dialling that address sends only the WebRTC offer and answer through the relay
 * (a limited connection, within the relay's caps), then both talk over a direct WebRTC
 * connection, which carries the file.
 *
 * libp2p 3 opens listeners only at start, so listening on a relay chosen later goes
 * through a small service holding the transport manager (services get libp2p's
 * components; the page gets no other handle on them).
 */
import type { Connection, Libp2p, Logger } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'

/** What the relay service needs of libp2p's components */
export interface RelayListenComponents {
  transportManager: { listen(addrs: Multiaddr[]): Promise<void> }
}

/** Reserves on a relay and listens for relayed WebRTC signalling there */
export interface RelayListen {
  listenVia(relay: Multiaddr): Promise<void>
}

/** The libp2p service (add it as `services.relayListen`) */
export function relayListen (): (components: RelayListenComponents) => RelayListen {
  return components => ({
    async listenVia (relay) {
      try {
        await components.transportManager.listen([relay.encapsulate('/p2p-circuit')])
      } catch (err: any) {
        // libp2p's error lists each address with its reason, after a paragraph about its config
        const cause = String(err.message).trim().split('\n').at(-1)?.trim()
        throw new RelayRefusedError(`No reservation on the relay ${relay.toString()}: ${cause}`, { cause: err })
      }
    }
  })
}

/** The relay address was not a multiaddr of a peer (…/p2p/<relay peer id>), or is one a page cannot dial */
export class BadRelayError extends Error {
  static override name = 'BadRelayError'
  override name = 'BadRelayError'
}

/** The relay could not be reached or refused the reservation (not a relay, or full: its `maxReservations`) */
export class RelayRefusedError extends Error {
  static override name = 'RelayRefusedError'
  override name = 'RelayRefusedError'
}

/** Checks a relay address the user gave: a browser-dialable address ending in /p2p/<peer id> */
export function parseRelay (value: string): Multiaddr {
  let addr: Multiaddr
  try {
    addr = multiaddr(value.trim())
  } catch (err: any) {
    throw new BadRelayError(`Not a multiaddr: ${value}: ${err.message}`)
  }
  const names = addr.getComponents().map(c => c.name)
  if (names.at(-1) !== 'p2p') throw new BadRelayError(`The relay address must end in /p2p/<peer id>: ${value}`)
  if (names.includes('p2p-circuit')) throw new BadRelayError(`A relay address cannot itself be relayed: ${value}`)
  if (!browserDialable(addr)) throw new BadRelayError(`A page reaches a relay over WebRTC-direct or WebSockets only: ${value}`)
  return addr
}

/** Over WebRTC-direct (with its certhash) or WebSockets: what a page can dial */
export function browserDialable (addr: Multiaddr): boolean {
  const names = addr.getComponents().map(c => c.name)
  return (names.includes('webrtc-direct') && names.includes('certhash')) || names.includes('ws') || names.includes('wss')
}

/**
 * The page's addresses other pages can dial: through a relay reached over WebRTC-direct
 * or WebSockets, then WebRTC (`…/p2p-circuit/webrtc/p2p/<page>`)
 */
export function browserToBrowserAddresses (libp2p: Pick<Libp2p, 'getMultiaddrs'>): string[] {
  return libp2p.getMultiaddrs()
    .filter(a => {
      const names = a.getComponents().map(c => c.name)
      const circuit = names.indexOf('p2p-circuit')
      return circuit > 0 && names[circuit + 1] === 'webrtc' && browserDialable(a)
    })
    .map(a => a.toString())
}

/**
 * Closes a peer's relayed connections once a direct one to it opens: the relayed one
 * carried only the WebRTC signalling, and each held open takes one of the relay's
 * circuits (16 by default) until the relay's own time cap ends it. Returns the
 * unsubscribe function.
 */
export function closeRelayedOnceDirect (libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getConnections'>, log: Logger): () => void {
  const onOpen = (event: CustomEvent<Connection>): void => {
    const opened = event.detail
    if (opened.limits != null) return
    for (const relayed of libp2p.getConnections(opened.remotePeer)) {
      if (relayed.limits == null) continue
      log('closing the relayed connection to %p: a direct one is open', opened.remotePeer)
      void relayed.close().catch(err => { relayed.abort(err) })
    }
  }
  libp2p.addEventListener('connection:open', onOpen)
  return () => { libp2p.removeEventListener('connection:open', onOpen) }
}

/** How the page is connected to a peer: direct (WebRTC, WebRTC-direct, WebSockets) or through a relay (limited) */
export interface PeerConnection {
  remoteAddr: string
  /** a relayed connection, capped in bytes and time by the relay */
  limited: boolean
}

export function connectionsTo (libp2p: Pick<Libp2p, 'getConnections'>, peer: string): PeerConnection[] {
  return libp2p.getConnections()
    .filter((c: Connection) => c.remotePeer.toString() === peer)
    .map((c: Connection) => ({ remoteAddr: c.remoteAddr.toString(), limited: c.limits != null }))
}
