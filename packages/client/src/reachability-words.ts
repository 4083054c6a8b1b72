/**
 * A node's reachability (`NodeStatus.reachability`) in words for people, shared by the
 * CLI's `status` and the web UI's Status page so both say the same thing.
 */
import type { IsolatedStatus, ReachabilityStatus } from './reports.js'

/** What each reachability state means for someone who wants to dial this node */
export const REACHABILITY_WORDS: Readonly<Record<ReachabilityStatus['reachability'], string>> = Object.freeze({
  public: 'public (others dial this node directly)',
  'nat-mapped': 'behind NAT, port mapped on the router (UPnP)',
  private: 'behind NAT, not reachable yet (looking for a relay)',
  relayed: 'behind NAT, reachable through relays',
  unknown: 'unknown (nothing verified yet by AutoNAT)'
})

/** AutoNAT's last results: "verified /ip4/…/tcp/4001 at …; reached none of 2 address(es) (since …); 5 peer(s) able to check" */
export function autonatSummary ({ lastConfirmed, unconfirmed, lastFailure, peers }: ReachabilityStatus['autonat']): string {
  return [
    lastConfirmed == null ? 'no address verified yet' : `verified ${lastConfirmed.address} at ${lastConfirmed.at}`,
    ...(lastFailure == null ? [] : [`reached none of ${lastFailure.addresses} address(es) (since ${lastFailure.at})`]),
    ...(unconfirmed > 0 ? [`${unconfirmed} public address(es) unverified`] : []),
    `${peers} peer(s) able to check`
  ].join('; ')
}

/** This node as a relay for others: "off", or "on: 1/15 reservations, 1/16 relayed connections, 0 refused" */
export function relayServerSummary (relay: ReachabilityStatus['relayServer']): string {
  if (!relay.serving) return 'off'
  return `on: ${relay.reservations}/${relay.maxReservations} reservations, ${relay.circuits}/${relay.maxCircuits} relayed connections, ${relay.refusedCircuits} refused`
}

/** UPnP, the relay reservation and the settled verdict: "off; relay reservation none; verdict reachable since …" */
export function reachabilityPolicySummary (r: Pick<ReachabilityStatus, 'upnp' | 'reserving' | 'settled'>): string {
  return `${r.upnp ? 'on' : 'off'}; relay reservation ${r.reserving ? 'taken (or looked for) while unreachable' : 'none'}; verdict ${r.settled.verdict} since ${r.settled.since}`
}

/**
 * A node connected to no peer, in words: "bootstrap /ip4/…/p2p/12D3… failed (connect
 * ECONNREFUSED 127.0.0.1:4001); 0 remembered peers; mDNS off; trying again every 10 s", and
 * what to do when nothing was there to try
 */
export function isolationSummary (i: IsolatedStatus): string {
  const bootstrap = i.bootstrap.length === 0
    ? ['no bootstrap peer configured (--bootstrap <multiaddr>)']
    : i.bootstrap.map(b => `bootstrap ${b.address} ${b.error == null ? 'not reached yet' : `failed (${b.error})`}`)
  const dials = i.bootstrap.length > 0 || i.remembered > 0
  return [
    ...bootstrap,
    `${i.remembered} remembered peer(s)`,
    `mDNS ${i.mdns ? 'on' : 'off'}`,
    dials
      ? `trying again every ${Math.round(i.retryInterval / 1000)} s`
      : `${i.mdns ? 'waiting for a peer on the LAN, or ' : 'nothing to try: '}\`peershare swarm connect <multiaddr>\` joins through a peer`
  ].join('; ')
}
