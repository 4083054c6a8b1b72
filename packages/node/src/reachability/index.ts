/**
 * Reachability behind NAT: how a node that others cannot dial still shares.
 *
 * - Every node dials through circuit relays (the relay transport) and answers
 *   DCUtR, so a relayed connection is upgraded to a direct one where hole punching works.
 * - A node that cannot be dialled takes a reservation on a relay it is connected to
 *   and announces the relay address (`relay.reserve`); its provider records then
 *   lead to it through the relay.
 * - A publicly reachable node serves as a relay within strict caps (`relay.server`):
 *   reservations, relayed connections at once, and bytes and time per relayed connection.
 * - UPnP port mapping on the home router (`upnp`, on for the daemon only).
 * - The status report says what the node knows of its reachability (`ReachabilityMonitor`).
 */
export type { RelaySettings, RelayMode } from './relay-policy.js'
export { relayServerWanted, relayReservationWanted, upnpWanted, hasPublicAddress, isPublicIp } from './relay-policy.js'
export { CircuitCap } from './circuit-cap.js'
export { freshDialAutoNAT } from './autonat.js'
export { reachabilityParts, type ReachabilityParts } from './libp2p-parts.js'
export { ReachabilityMonitor, reachabilityMonitor, classifyReachability } from './monitor.js'
export type { ReachabilityStatus } from '@peershare/client'
export { type Route, DIRECT, routeOf, blameRoute, movesToDirect } from './route.js'
