/**
 * The repair decisions, pure: given a file's policy, its ranked candidates, the holders
 * this node knows of and when it last saw each, it says who acts, whom to recruit,
 * which extra holders drop and why a file is short. No I/O and no clock of its own
 * (`now` is an input), so every node with the same view decides the same thing, and
 * the unit tests can walk through time.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { Candidate, ReplicationPolicy } from './index.js'
import { uniformFor } from './placement.js'

/** A peer this node believes holds (or is fetching) a replica of the file */
export interface KnownHolder {
  peerId: string
  /** unix ms this node first saw it as a holder (or it accepted our request) */
  firstSeen: number
  /** unix ms this node last saw it serve the file (probe) or accept it */
  lastSeen: number
}

export interface DecideInput {
  fileId: string
  policy: ReplicationPolicy
  /** candidates with room, best first (rankHolders); may include holders */
  ranked: Candidate[]
  /** holders known to this node, owner excluded */
  holders: KnownHolder[]
  /** the peer that shares the file (its keeper); it acts while it is live */
  owner?: string
  /** whether the owner was seen serving the file in this check */
  ownerLive: boolean
  /** this node */
  self: string
  /** peers that refused this file recently: not asked again in this pass */
  refused?: ReadonlySet<string>
  /** since when the file has been above max (from the previous decision) */
  overSince?: number
  now: number
  settings: { lossGrace: number, surplusGrace: number }
}

export type ReplicaState = 'ok' | 'under-replicated' | 'over'

/** Why a file has fewer than min live holders */
export type ShortReason = 'recruiting' | 'no-candidates' | 'too-few-candidates' | 'refused'

export interface Decision {
  /** holders counted: seen within lossGrace (a restart inside it moves nothing) */
  live: string[]
  /** holders unseen for lossGrace: no longer counted, replaced */
  lost: string[]
  /** the one node that recruits for this file: the owner while live, else one of the live holders by hash */
  actor: string | undefined
  /** candidates to ask now, in parallel, best first (min − live of them, never past max) */
  recruit: string[]
  /** the next candidates in rank order, asked when one of `recruit` refuses */
  reserve: string[]
  /** live holders that should drop their replica (lowest-ranked, only after surplusGrace above max) */
  drop: string[]
  state: ReplicaState
  why?: ShortReason
  /** carry into the next decision */
  overSince?: number
}

export function decide (input: DecideInput): Decision {
  const { policy, holders, now, settings } = input
  const live = holders.filter(h => now - h.lastSeen < settings.lossGrace).map(h => h.peerId)
  const lost = holders.filter(h => now - h.lastSeen >= settings.lossGrace).map(h => h.peerId)
  // the owner acts while it is live (it knows the policy first); else one of the live holders
  const actor = input.ownerLive && input.owner != null ? input.owner : chooseActor(input.fileId, live)
  const { recruit, reserve } = recruitment(input, live)
  const overSince = live.length > policy.max ? (input.overSince ?? now) : undefined
  const drop = overSince != null && now - overSince >= settings.surplusGrace ? surplus(input, live) : []
  const state: ReplicaState = live.length < policy.min ? 'under-replicated' : live.length > policy.max ? 'over' : 'ok'
  const why = state === 'under-replicated' ? shortReason(input, live.length, recruit.length + reserve.length) : undefined
  return { live, lost, actor, recruit, reserve, drop, state, ...(why != null ? { why } : {}), ...(overSince != null ? { overSince } : {}) }
}

/** One actor for a file: the peer with the best plain rendezvous score among those eligible */
export function chooseActor (fileId: string, peers: string[]): string | undefined {
  let best: string | undefined
  let bestU = -1
  for (const peer of new Set(peers)) {
    const u = uniformFor(fileId, peer)
    if (u > bestU || (u === bestU && best != null && peer < best)) {
      best = peer
      bestU = u
    }
  }
  return best
}

/**
 * Candidates not holding the file, not the owner, not refusing, and not in the subnet
 * group of a holder, in rank order: the first `min − live` are asked at once, the
 * rest wait as reserves. Holders in their grace time count as live, so a restart
 * recruits nobody.
 */
function recruitment (input: DecideInput, live: string[]): { recruit: string[], reserve: string[] } {
  const { policy, ranked, holders, owner, refused } = input
  const need = Math.max(0, Math.min(policy.min, policy.max) - live.length)
  if (need === 0) return { recruit: [], reserve: [] }
  const taken = new Set([...holders.map(h => h.peerId), ...(owner != null ? [owner] : [])])
  const heldGroups = new Set(ranked.filter(c => taken.has(c.peerId) && c.group != null).map(c => c.group))
  const open = ranked.filter(c => !taken.has(c.peerId) && refused?.has(c.peerId) !== true && (c.group == null || !heldGroups.has(c.group)))
  const ids = open.map(c => c.peerId)
  return { recruit: ids.slice(0, need), reserve: ids.slice(need) }
}

/**
 * The lowest-ranked live holders past max, by the plain rendezvous order of the file
 * (unweighted): weights are each node's own observations, and a node never ranks
 * itself among the candidates it weighs, so only an order that needs neither makes
 * every holder agree on who drops
 */
function surplus (input: DecideInput, live: string[]): string[] {
  const order = [...live].sort((a, b) => uniformFor(input.fileId, a) - uniformFor(input.fileId, b) || (a < b ? -1 : 1))
  return order.slice(0, live.length - input.policy.max)
}

function shortReason (input: DecideInput, liveCount: number, open: number): ShortReason {
  const need = input.policy.min - liveCount
  if (open >= need) return 'recruiting'
  if ((input.refused?.size ?? 0) > 0) return 'refused'
  return open + liveCount === 0 ? 'no-candidates' : 'too-few-candidates'
}

/** Words for a short reason (status, logs) */
export function describeShort (why: ShortReason | undefined): string {
  switch (why) {
    case 'recruiting': return 'recruiting holders'
    case 'no-candidates': return 'no peer offers room for it (swarm smaller than min)'
    case 'too-few-candidates': return 'too few peers offer room for it (swarm smaller than min)'
    case 'refused': return 'candidates refused it (quota, busy or forbidden)'
    default: return ''
  }
}

/**
 * The subnet group of an address for onePerSubnet: IPv4 /24, IPv6 /48; undefined for
 * loopback, private, link-local and unique-local addresses (exempt: a LAN or one host
 * would otherwise hold one replica only).
 */
export function subnetGroup (ip: string): string | undefined {
  if (isIPv4(ip)) {
    const [a, b, c] = ip.split('.').map(Number)
    if (a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return undefined
    return `${a}.${b}.${c}.0/24`
  }
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip)
    if (groups == null) return undefined
    const first = groups[0]
    if (groups.every((g, i) => g === (i === 7 ? 1 : 0)) || (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return undefined
    if (groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff) return subnetGroup(`${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`)
    return `${groups.slice(0, 3).map(g => g.toString(16)).join(':')}::/48`
  }
  return undefined
}

function expandIPv6 (ip: string): number[] | undefined {
  let text = ip.split('%')[0]
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/)
  if (v4 != null) {
    const [a, b, c, d] = v4[1].split('.').map(Number)
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const fill = tail == null ? 0 : 8 - left.length - right.length
  const all = [...left, ...Array(fill).fill('0'), ...right].map(h => Number.parseInt(h, 16))
  return all.length === 8 && all.every(n => n >= 0 && n <= 0xffff) ? all : undefined
}
