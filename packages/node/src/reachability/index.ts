/**
 * Reachability behind NAT: how a node that others cannot dial still shares.
 *
 * - The node learns at runtime whether it is reachable (state.ts: AutoNAT's verified
 *   addresses, UPnP mappings, relay addresses) and acts on the settled verdict
 *   (controller.ts): with `auto` settings it reserves on a relay while unreachable and
 *   serves as a relay while reachable; the start-time guess (relay-policy.ts) is the
 *   first verdict.
 * - Every node dials through circuit relays (the relay transport) and answers
 *   DCUtR, so a relayed connection is upgraded to a direct one where hole punching works.
 * - A node that cannot be dialled takes a reservation on a relay it is connected to
 *   and announces the relay address (`relay.reserve`); its provider records then
 *   lead to it through the relay. It releases it once a public or mapped address is verified.
 * - A publicly reachable node serves as a relay within strict caps (`relay.server`):
 *   reservations, relayed connections at once, and bytes and time per relayed connection.
 * - AutoNAT's dial-backs run on fresh connections (`freshDialAutoNAT`, autonat.ts).
 * - The public DHT follows the same verified addresses: kad-dht turns server on a
 *   `self:peer:update` with a verified public, non-relay address (no hysteresis there).
 * - UPnP port mapping on the home router (`upnp`, on for the daemon only).
 * - The status report says what the node knows of its reachability and why (`ReachabilityController.status`).
 */
export type { RelaySettings, RelayMode } from './relay-policy.js'
export { relayServerWanted, relayReservationWanted, upnpWanted, hasPublicAddress, isPublicIp } from './relay-policy.js'
export { CircuitCap } from './circuit-cap.js'
export { freshDialAutoNAT } from './autonat.js'
export { reachabilityParts, type ReachabilityParts } from './libp2p-parts.js'
export { ReachabilityController, reachabilityController, type ControllerInit, RESERVE_ON_A_RELAY, RESERVE_RETRY_INTERVAL } from './controller.js'
export { ReachabilityState, assess, verdictOf, type Reachability, type AddressReading, type ReachabilityTimings, type Verdict, type Assessment, type AutonatResult } from './state.js'
export type { ReachabilityStatus } from '@peershare/client'
export { type Route, DIRECT, routeOf, blameRoute, movesToDirect } from './route.js'
