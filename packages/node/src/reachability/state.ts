/**
 * Runtime reachability: what the node learns from libp2p's address manager (which
 * addresses AutoNAT verified, which a UPnP mapping added, which a relay gave us) and
 * from the AutoNAT-capable peers it met, and what it decides from that.
 *
 * Pure: it reads address snapshots and peers, and time from an injected clock.
 *
 * AutoNAT v1 (@libp2p/autonat 3.x) reports a success by marking an address verified
 * (one peer suffices for a listen address, four for an address peers observed) and a
 * failure only after 8 failed dials from 8 different /8 networks, by unverifying a
 * listen address for 5 minutes (`expires` in the future, `verified` false) or dropping
 * an observed one. A node with a few peers may never collect 8 failures, so "no address
 * verified while `minAutonatPeers` peers able to check were met, for `verifyWindow`"
 * counts as unreachable too; a reachable address is verified within seconds of the
 * first such peer.
 *
 * Decisions (reserve on a relay, serve as one) follow a *settled* verdict: a new
 * verdict must hold for `settleTime` before it replaces the old one, so one flapping
 * AutoNAT result neither drops a reservation nor starts a relay server. "Unknown" never
 * replaces a verdict (AutoNAT re-checking an address is not news). Listening on no
 * address at all is certain and settles at once.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { isPrivate } from '@libp2p/utils'

/** Distinct AutoNAT-speaking peers counted; more are not (the count is what is used) */
const MAX_AUTONAT_PEERS_COUNTED = 1024

/** public / nat-mapped: others can dial us; private: nobody can (no relay address yet); relayed: only through relays */
export type Reachability = 'unknown' | 'public' | 'nat-mapped' | 'private' | 'relayed'

/** One of our addresses as libp2p's address manager lists it (`NodeAddress` of @libp2p/interface-internal) */
export interface AddressReading {
  address: string
  verified: boolean
  /** transport, observed, ip-mapping (UPnP), dns-mapping, announce */
  type: string
  /** unverified with `expires` in the future: AutoNAT found it unreachable and waits before retrying */
  expires: number
  lastVerified?: number
}

export interface ReachabilityTimings {
  /** how long AutoNAT may take to verify an address once enough peers could check it (ms) */
  verifyWindow: number
  /** how long a new verdict must hold before reservations or the relay server follow it (ms) */
  settleTime: number
  /** AutoNAT-capable peers met before "nothing verified" means unreachable */
  minAutonatPeers: number
}

/** reachable: public or mapped; unreachable: private or relayed; undefined: unknown */
export type Verdict = 'reachable' | 'unreachable' | undefined

export interface Assessment {
  reachability: Reachability
  /** why, in words a user reads in `peershare status` */
  reason: string
  /** certain evidence settles at once (listening on nothing) */
  certain: boolean
  publicAddresses: string[]
  mappedAddresses: string[]
  relayAddresses: string[]
  /** public addresses AutoNAT has not verified (or found unreachable) */
  unverified: string[]
}

export interface AutonatResult {
  /** the newest verification of a public or mapped address */
  lastSuccess: { address: string, at: number } | null
  /** when the node first concluded that AutoNAT reached none of its addresses (this spell), and how many it tried */
  lastFailure: { addresses: number, at: number } | null
  /** distinct AutoNAT-capable peers met since start (each may check our addresses) */
  peers: number
}

export class ReachabilityState {
  private addresses: AddressReading[] = []
  private readonly autonatPeers = new Set<string>()
  private firstAutonatPeerAt: number | undefined
  private pending: { verdict: Verdict, since: number } = { verdict: undefined, since: 0 }
  private settledVerdict: Verdict
  private settledAt: number
  private failure: AutonatResult['lastFailure'] = null

  /**
   * `initial` is the start-time guess (relay-policy.ts), the verdict until runtime evidence
   * settles; `listens` says whether the settings give any address to listen on (before the
   * transports are up, the address list is empty either way)
   */
  constructor (private readonly timings: ReachabilityTimings, private readonly clock: () => number, initial: Verdict, private readonly listens = true) {
    this.settledVerdict = initial
    this.settledAt = clock()
  }

  /** A fresh snapshot of the address manager (after `self:peer:update`, a listener change, or on the tick) */
  noteAddresses (addresses: AddressReading[]): void {
    this.addresses = addresses
    this.update()
  }

  /** A peer that speaks AutoNAT connected: it can check our addresses */
  noteAutonatPeer (peer: string): void {
    // only the count is used (against minAutonatPeers, and shown): a bound keeps a flood of peer ids from growing it
    if (this.autonatPeers.has(peer) || this.autonatPeers.size >= MAX_AUTONAT_PEERS_COUNTED) return
    this.autonatPeers.add(peer)
    this.firstAutonatPeerAt ??= this.clock()
    this.update()
  }

  /** Time passed: windows may have closed */
  tick (): void {
    this.update()
  }

  assessment (): Assessment {
    return assess(this.addresses, this.evidence(), this.clock())
  }

  /** The verdict reservations and the relay server follow */
  settled (): { verdict: Verdict, since: number } {
    return { verdict: this.settledVerdict, since: this.settledAt }
  }

  autonat (): AutonatResult {
    return { lastSuccess: lastSuccess(this.addresses), lastFailure: this.failure, peers: this.autonatPeers.size }
  }

  private evidence (): Evidence {
    const waited = this.firstAutonatPeerAt == null ? 0 : this.clock() - this.firstAutonatPeerAt
    const windowClosed = this.autonatPeers.size >= this.timings.minAutonatPeers && waited >= this.timings.verifyWindow
    return { listens: this.listens, autonatPeers: this.autonatPeers.size, windowClosed, windowSeconds: Math.round(this.timings.verifyWindow / 1000) }
  }

  private update (): void {
    const now = this.clock()
    const assessment = this.assessment()
    const verdict = verdictOf(assessment.reachability)
    this.noteFailure(assessment, verdict, now)
    if (verdict !== this.pending.verdict) this.pending = { verdict, since: now }
    if (verdict == null || verdict === this.settledVerdict) return
    if (assessment.certain || now - this.pending.since >= this.timings.settleTime) {
      this.settledVerdict = verdict
      this.settledAt = now
    }
  }

  private noteFailure (a: Assessment, verdict: Verdict, now: number): void {
    if (verdict === 'unreachable') this.failure ??= { addresses: a.unverified.length, at: now }
    else if (verdict === 'reachable') this.failure = null
  }
}

interface Evidence {
  /** the settings give addresses to listen on */
  listens: boolean
  autonatPeers: number
  /** enough AutoNAT peers were met and the verify window since the first has passed */
  windowClosed: boolean
  windowSeconds: number
}

export function verdictOf (reachability: Reachability): Verdict {
  if (reachability === 'public' || reachability === 'nat-mapped') return 'reachable'
  if (reachability === 'private' || reachability === 'relayed') return 'unreachable'
  return undefined
}

/** What the addresses say now, with the reason a user reads */
export function assess (addresses: AddressReading[], evidence: Evidence, now: number): Assessment {
  const relayAddresses = addresses.filter(a => a.verified && isRelayed(a.address)).map(a => a.address)
  const direct = addresses.filter(a => !isRelayed(a.address))
  const open = direct.filter(a => isPublic(a.address))
  const publicAddresses = open.filter(a => a.verified && a.type !== 'ip-mapping').map(a => a.address)
  const mappedAddresses = open.filter(a => a.verified && a.type === 'ip-mapping').map(a => a.address)
  const unverified = open.filter(a => !a.verified).map(a => a.address)
  const lists = { publicAddresses, mappedAddresses, relayAddresses, unverified }
  const unreachable = (reason: string, certain = false): Assessment =>
    ({ reachability: relayAddresses.length > 0 ? 'relayed' : 'private', reason: withRelay(reason, relayAddresses), certain, ...lists })

  if (publicAddresses.length > 0) return { reachability: 'public', reason: `public: ${publicAddresses[0]} verified${verifiedBy(open, publicAddresses[0])}`, certain: false, ...lists }
  if (mappedAddresses.length > 0) return { reachability: 'nat-mapped', reason: `behind NAT with a port mapping: ${mappedAddresses[0]} (UPnP) verified by AutoNAT`, certain: false, ...lists }
  if (!evidence.listens) return unreachable('listens on no address (it can only dial out)', true)
  if (direct.length === 0) return { reachability: 'unknown', reason: 'not listening yet', certain: false, ...lists }
  if (direct.every(a => isLoopback(a.address))) return { reachability: 'unknown', reason: 'listens on loopback only: reachable on this machine, AutoNAT has nothing to check', certain: false, ...lists }
  const refused = open.filter(a => !a.verified && a.expires > now)
  if (refused.length > 0) return unreachable(`behind NAT: AutoNAT could not reach ${count(refused.length, 'address')}`)
  if (evidence.windowClosed) {
    return unreachable(unverified.length > 0
      ? `behind NAT: AutoNAT could not reach ${count(unverified.length, 'address')} within ${evidence.windowSeconds} s (${count(evidence.autonatPeers, 'peer')} able to check)`
      : `behind NAT: no public address of ours verified within ${evidence.windowSeconds} s (${count(evidence.autonatPeers, 'peer')} able to check)`)
  }
  return { reachability: 'unknown', reason: `waiting for AutoNAT (${count(evidence.autonatPeers, 'peer')} able to check so far)`, certain: false, ...lists }
}

function withRelay (reason: string, relayAddresses: string[]): string {
  if (relayAddresses.length === 0) return `${reason}; no relay reservation yet`
  return `${reason}; relayed via ${relayPeerOf(relayAddresses[0])}`
}

/** The relay's peer id in `/ip4/…/p2p/<relay>/p2p-circuit` */
function relayPeerOf (address: string): string {
  const before = address.split('/p2p-circuit')[0]
  return before.match(/\/p2p\/([^/]+)$/)?.[1] ?? before
}

function verifiedBy (open: AddressReading[], address: string): string {
  const a = open.find(x => x.address === address)
  return a?.type === 'announce' ? ' (announced in the settings)' : ' by AutoNAT'
}

function lastSuccess (addresses: AddressReading[]): AutonatResult['lastSuccess'] {
  const checked = addresses.filter(a => a.verified && a.lastVerified != null && !isRelayed(a.address) && isPublic(a.address))
  const last = checked.sort((a, b) => (b.lastVerified ?? 0) - (a.lastVerified ?? 0))[0]
  return last == null ? null : { address: last.address, at: last.lastVerified ?? 0 }
}

function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`
}

function isRelayed (address: string): boolean {
  return address.includes('/p2p-circuit')
}

/** Public as AutoNAT and kad-dht see it (@libp2p/utils isPrivate), so all three agree */
function isPublic (address: string): boolean {
  try {
    return isPrivate(multiaddr(address)) === false
  } catch {
    return false
  }
}

function isLoopback (address: string): boolean {
  return address.startsWith('/ip4/127.') || address.startsWith('/ip6/::1/')
}
