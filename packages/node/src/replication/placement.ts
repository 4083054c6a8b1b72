/**
 * Where a file's replicas go, without a coordinator: every node ranks the candidate
 * holders of a file the same way, by weighted rendezvous hashing (Thaler & Ravishankar;
 * Tahoe-LAFS's per-file permutation, with weights). A peer's score for a file is
 * −w / ln(u), u uniform in (0, 1) from SHA-256(file id ‖ peer id): load follows weight,
 * and a peer joining or leaving moves only the files whose top ranks it enters or left.
 */
import { createHash } from 'node:crypto'

export interface Candidate {
  /** peer id, text form */
  peerId: string
  /** how much of the load this peer should take, >= 0; 0 never holds (see candidateWeight) */
  weight: number
  /** peers sharing a group (e.g. an IPv4 /24) hold at most one replica of a file; absent: a group of its own */
  group?: string
}

const TWO_53 = 2 ** 53

/** u in (0, 1): the top 53 bits of SHA-256(file id ‖ peer id), moved off 0 by half a step */
export function uniformFor (fileId: string, peerId: string): number {
  const digest = createHash('sha256').update(fileId).update('\0').update(peerId).digest()
  const top = digest.readUIntBE(0, 6) * 32 + (digest[6] >> 3)
  return (top + 0.5) / TWO_53
}

/** The rendezvous score of a peer for a file: higher ranks first; 0 for weight 0 */
export function score (fileId: string, candidate: Pick<Candidate, 'peerId' | 'weight'>): number {
  if (!(candidate.weight > 0)) return 0
  return -candidate.weight / Math.log(uniformFor(fileId, candidate.peerId))
}

/**
 * The candidates for a file, best first: weight-0 peers left out, ties broken by peer
 * id, and (with `onePerGroup`) only the best of each group, so that no two replicas
 * share a /24. The same inputs give the same order on every node.
 */
export function rankHolders (fileId: string, candidates: Candidate[], options: { onePerGroup?: boolean } = {}): Candidate[] {
  const scored = candidates
    .filter(c => c.weight > 0)
    .map(c => ({ c, s: score(fileId, c) }))
    .sort((a, b) => b.s - a.s || (a.c.peerId < b.c.peerId ? -1 : a.c.peerId > b.c.peerId ? 1 : 0))
  if (options.onePerGroup !== true) return scored.map(x => x.c)
  const seen = new Set<string>()
  const out: Candidate[] = []
  for (const { c } of scored) {
    if (c.group != null) {
      if (seen.has(c.group)) continue
      seen.add(c.group)
    }
    out.push(c)
  }
  return out
}

/** What a node knows of a candidate holder when weighing it for one file */
export interface CandidateFacts {
  /** bytes of quota it offers and has free */
  freeBytes: number
  /** the file's size */
  size: number
  /** fraction of the time this node saw it reachable, as observed here (0..1) */
  uptime: number
  /** how busy it says it is (0 idle .. 1 full) */
  load: number
  /** a contact of this node: preferred */
  contact: boolean
  /** it refuses this file (not from us, or encrypted and it takes none) */
  refuses?: boolean
}

/**
 * w = clamp(free / (10·size), 0, 1) × clamp(uptime, 0.05, 1) × (1 − load) × (contact ? 1.5 : 1);
 * 0 when it has no room for the file or refuses it. Room dominates until a peer has
 * ten times the file's size free, so small quotas fill last.
 */
export function candidateWeight (facts: CandidateFacts): number {
  if (facts.refuses === true || facts.freeBytes < facts.size) return 0
  const room = facts.size === 0 ? 1 : Math.min(1, Math.max(0, facts.freeBytes / (10 * facts.size)))
  const uptime = Math.min(1, Math.max(0.05, facts.uptime))
  const load = Math.min(1, Math.max(0, facts.load))
  return room * uptime * (1 - load) * (facts.contact ? 1.5 : 1)
}
