/**
 * How a connection reaches its peer: directly, or through a relay, and then within
 * which limits. A relay closes a limited connection once it has carried its bytes or
 * lived its time; the downloader names that instead of calling the peer unreachable.
 */
import type { Connection } from '@libp2p/interface'
import { RelayLimitedError } from '../errors.js'

export interface Route {
  via: 'direct' | 'relayed' | 'relayed (limited)'
  /** the relay's limits as a person reads them, when limited */
  limits?: string
}

export const DIRECT: Route = Object.freeze({ via: 'direct' })

export function routeOf (connection: Pick<Connection, 'remoteAddr' | 'limits'>): Route {
  if (!connection.remoteAddr.toString().includes('/p2p-circuit')) return DIRECT
  if (connection.limits == null) return { via: 'relayed' }
  // read once: the relay told us these when the connection opened
  const bytes = connection.limits.bytes
  return { via: 'relayed (limited)', limits: bytes == null ? 'a time limit' : `${bytes} bytes left of its data limit at the start` }
}

/**
 * The error a source failed with, named for what happened: on a limited relayed
 * connection a dropped stream is the relay enforcing its caps, unless the peer misbehaved
 */
export function blameRoute (route: Route, peer: string, err: any): any {
  if (route.via !== 'relayed (limited)' || err?.name === 'PeerMisbehavedError' || err?.name === 'AbortedError') return err
  return new RelayLimitedError(`relayed (limited): the relay between us and ${peer} closed the connection at its limits (${route.limits}); waiting for a direct connection or another source (${err?.message ?? err})`)
}

/**
 * A source fetched through a relay moves to a direct connection to the same peer as
 * soon as one opens (DCUtR's, or one either side dialled): it is faster and has no caps
 */
export function movesToDirect (current: Route, opened: Pick<Connection, 'remoteAddr' | 'limits'>): boolean {
  return current.via !== 'direct' && routeOf(opened).via === 'direct'
}
