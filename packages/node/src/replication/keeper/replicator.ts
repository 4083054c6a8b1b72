/**
 * The repair loop, on the owner of a file and on every holder of it: each file is
 * checked every `repairInterval` (±jitter, so holders do not act together), and at
 * once when its policy is set. A check counts live holders (live-count.ts), decides
 * (decide.ts), and then: the one actor asks the missing candidates in parallel (the
 * next in rank on a refusal), and a holder the decision drops lets its replica go.
 * Joining peers (new storage offers, connections) wake the under-replicated files,
 * debounced. No coordinator: every node that can act computes the same decision.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { type DecideInput, type Decision, decide, type KnownHolder, type ReplicaState, type ShortReason } from '../decide.js'
import type { HeldReplicas, Membership, ReplicaRequests, ReplicateRequest, ReplicationPolicy, ReplicationSettings } from '../index.js'
import { candidateWeight, rankHolders } from '../placement.js'
import type { LiveCount } from './live-count.js'

/** A file this node keeps alive: its own (owner = itself) or a replica it holds for `owner` */
export interface KeptFile {
  fileId: string
  size: number
  encrypted: boolean
  policy: ReplicationPolicy
  owner: string
}

/** What `peershare status <file-id>` and `ls` show of a file's replicas */
export interface FileReplication {
  fileId: string
  policy: ReplicationPolicy
  /** holders seen serving the whole file at the last check (or within lossGrace before it); this node when it holds a replica */
  live: string[]
  /** peers that accepted it and have not yet been seen serving it (fetching): counted toward min, not shown as live */
  fetching: string[]
  state: ReplicaState
  why?: ShortReason
  /** holders unseen for lossGrace at the last check */
  lost: string[]
  /** unix ms of the last check; undefined: none yet */
  lastCheck?: number
  /** this node is the owner or holds a replica */
  role: 'owner' | 'holder'
}

export interface ReplicatorComponents {
  self: string
  settings: Pick<ReplicationSettings, 'repairInterval' | 'jitter' | 'lossGrace' | 'surplusGrace' | 'onePerSubnet' | 'requestTimeout' | 'fetchTimeout'>
  membership: Membership
  requests: ReplicaRequests
  /** replicas this node holds for others; absent on a node that offers no storage */
  held?: Pick<HeldReplicas, 'list' | 'drop'>
  /** this node's own files with a policy of min >= 1 */
  ownFiles(): Promise<KeptFile[]>
  /** the peers (this node excluded) that provide the file, or are among the `known` holders, and really serve it; and those whose probe ran out of time */
  liveHolders(fileId: string, signal: AbortSignal, known: string[]): Promise<LiveCount>
  peerIdOf(peer: string): PeerId
  /** the subnet group of a peer (onePerSubnet); undefined: exempt */
  groupOf?(peer: string): string | undefined
  isContact?(peer: string): boolean
  now?(): number
  random?(): number
  log: Logger
}

/** Joins and new offers wake short files after this quiet time, once (ms) */
export const PEERS_CHANGED_DEBOUNCE = 2_000
/**
 * Checks in a row that must miss a holder before it can count as lost, whatever the
 * time: one slow check on a busy machine (its probes late, the previous check long
 * ago) is not evidence of a loss
 */
export const MISSES_BEFORE_LOSS = 2
/**
 * A holder whose probes only time out (no refusal, no wrong answer) is given this many
 * lossGraces before the time-outs count as misses: a machine starved for tens of
 * seconds times out every probe, and must not replace holders that are fine
 */
export const UNSURE_GRACES = 2
/** Refusals remembered per file: not asked again until this has passed (ms) */
export const REFUSAL_MEMORY = 60_000

interface FileState {
  /**
   * when this node began watching the file (its start, or the replica's arrival): a
   * view younger than lossGrace may miss holders a lookup did not find yet, so it
   * recruits nobody; a policy the user just set (keep) places at once
   */
  watchingSince: number
  holders: Map<string, KnownHolder>
  /** checks in a row that did not see each known holder */
  misses: Map<string, number>
  /** holders seen serving the file at least once (a peer that only accepted is not yet) */
  serving: Set<string>
  refused: Map<string, number>
  overSince?: number
  status?: FileReplication
  timer?: ReturnType<typeof setTimeout>
  running?: Promise<FileReplication | undefined>
}

export class Replicator {
  private readonly files = new Map<string, FileState>()
  private readonly controller = new AbortController()
  private peersTimer?: ReturnType<typeof setTimeout>
  private syncTimer?: ReturnType<typeof setTimeout>
  private stopped = true

  constructor (private readonly components: ReplicatorComponents) {}

  private now (): number { return this.components.now?.() ?? Date.now() }

  async start (): Promise<void> {
    this.stopped = false
    await this.sync()
  }

  stop (): void {
    this.stopped = true
    this.controller.abort()
    clearTimeout(this.peersTimer)
    clearTimeout(this.syncTimer)
    for (const state of this.files.values()) clearTimeout(state.timer)
  }

  /** A policy was just set (share --replicas, replicate): check now so placement starts at once */
  async keep (fileId: string): Promise<FileReplication | undefined> {
    this.stateOf(fileId).watchingSince = Number.NEGATIVE_INFINITY
    return this.check(fileId)
  }

  /** A file no longer kept (policy 0, removed): its timer and state go */
  forget (fileId: string): void {
    clearTimeout(this.files.get(fileId)?.timer)
    this.files.delete(fileId)
  }

  /** New storage offers or peer connections: wake the files short of min, debounced */
  peersChanged (): void {
    if (this.stopped) return
    clearTimeout(this.peersTimer)
    this.peersTimer = setTimeout(() => {
      for (const [fileId, state] of this.files) {
        if (state.status?.state === 'under-replicated') void this.check(fileId)
      }
    }, PEERS_CHANGED_DEBOUNCE)
    this.peersTimer.unref?.()
  }

  /** The last check of a file, running one if there was none */
  async status (fileId: string): Promise<FileReplication | undefined> {
    const state = this.files.get(fileId)
    if (state?.status?.lastCheck != null) return state.status
    return this.check(fileId)
  }

  /** The last check of every kept file (no new checks) */
  statuses (): Map<string, FileReplication> {
    const out = new Map<string, FileReplication>()
    for (const [fileId, state] of this.files) if (state.status != null) out.set(fileId, state.status)
    return out
  }

  /** Every file this node keeps alive now: its own with a policy, and the replicas it holds */
  private async keptFiles (): Promise<Map<string, KeptFile>> {
    const kept = new Map<string, KeptFile>()
    for (const r of this.components.held?.list() ?? []) {
      if (r.state === 'held' && r.policy.min > 0) kept.set(r.fileId, { fileId: r.fileId, size: r.size, encrypted: r.encrypted, policy: r.policy, owner: r.owner ?? r.from })
    }
    for (const f of await this.components.ownFiles()) if (f.policy.min > 0) kept.set(f.fileId, f)
    return kept
  }

  /** Schedules a jittered check for each kept file, forgets files no longer kept */
  private async sync (): Promise<void> {
    if (this.stopped) return
    const kept = await this.keptFiles()
    for (const [fileId, state] of this.files) {
      if (!kept.has(fileId)) {
        clearTimeout(state.timer)
        this.files.delete(fileId)
      }
    }
    for (const fileId of kept.keys()) if (this.files.get(fileId)?.timer == null) this.schedule(fileId, this.period())
    this.syncTimer = setTimeout(() => { void this.sync() }, this.period())
    this.syncTimer.unref?.()
  }

  private period (): number {
    const { repairInterval, jitter } = this.components.settings
    return Math.max(1, Math.round(repairInterval * (1 + jitter * (2 * (this.components.random?.() ?? Math.random()) - 1))))
  }

  private stateOf (fileId: string): FileState {
    let state = this.files.get(fileId)
    if (state == null) {
      state = { watchingSince: this.now(), holders: new Map(), misses: new Map(), serving: new Set(), refused: new Map() }
      this.files.set(fileId, state)
    }
    return state
  }

  private schedule (fileId: string, delay: number): void {
    if (this.stopped) return
    const state = this.stateOf(fileId)
    clearTimeout(state.timer)
    state.timer = setTimeout(() => {
      state.timer = undefined
      void this.check(fileId).finally(() => { if (this.files.has(fileId)) this.schedule(fileId, this.period()) })
    }, delay)
    state.timer.unref?.()
  }

  /** One check of a file at a time; a second caller waits for the running one */
  async check (fileId: string): Promise<FileReplication | undefined> {
    const state = this.stateOf(fileId)
    if (state.running != null) return state.running
    state.running = this.runCheck(fileId, state).catch(err => {
      if (!this.controller.signal.aborted) this.components.log.error('replication check of %s failed: %s', fileId, err.message)
      return state.status
    }).finally(() => { state.running = undefined })
    return state.running
  }

  private async runCheck (fileId: string, state: FileState): Promise<FileReplication | undefined> {
    const file = (await this.keptFiles()).get(fileId)
    if (file == null) {
      this.files.delete(fileId)
      clearTimeout(state.timer)
      return undefined
    }
    const { self, settings } = this.components
    const { live: seen, unsure } = await this.components.liveHolders(fileId, this.controller.signal, [...state.holders.keys()])
    const now = this.now()
    this.observe(state, file, seen, new Set(unsure), now)
    for (const [peer, at] of state.refused) if (now - at >= REFUSAL_MEMORY) state.refused.delete(peer)
    const input: DecideInput = {
      fileId,
      policy: file.policy,
      ranked: this.rank(file),
      holders: this.judged(state, now),
      owner: file.owner,
      ownerLive: file.owner === self || seen.includes(file.owner),
      self,
      refused: new Set(state.refused.keys()),
      overSince: state.overSince,
      now,
      settings
    }
    const decision = decide(input)
    this.components.log('check of %s: live %o, lost %o, actor %s, recruit %o, drop %o', fileId, decision.live, decision.lost, decision.actor, decision.recruit, decision.drop)
    state.overSince = decision.overSince
    for (const peer of decision.lost) {
      state.holders.delete(peer)
      state.misses.delete(peer)
      state.serving.delete(peer)
    }
    state.status = this.statusOf(file, decision, state.serving, now)
    if (decision.drop.includes(self) && file.owner !== self) {
      await this.letGo(fileId, state)
    } else if (decision.actor === self && decision.recruit.length > 0 && now - state.watchingSince >= settings.lossGrace) {
      await this.recruit(file, state, decision)
      // accepted peers count from now: the status says what the file has after recruiting
      state.status = this.statusOf(file, decide({ ...input, holders: this.judged(state, now), refused: new Set(state.refused.keys()) }), state.serving, now)
    }
    return state.status
  }

  /** The known holders as decide() should weigh them: one missed fewer than MISSES_BEFORE_LOSS checks in a row is not lost yet */
  private judged (state: FileState, now: number): KnownHolder[] {
    return [...state.holders.values()].map(h => (state.misses.get(h.peerId) ?? 0) < MISSES_BEFORE_LOSS ? { ...h, lastSeen: Math.max(h.lastSeen, now - this.components.settings.lossGrace + 1) } : h)
  }

  /**
   * Marks the holders seen now; this node counts as a holder of a replica it holds. A
   * holder whose probe timed out is neither seen nor missed, until it has been unseen
   * for UNSURE_GRACES lossGraces.
   */
  private observe (state: FileState, file: KeptFile, seen: string[], unsure: ReadonlySet<string>, now: number): void {
    const holders = file.owner === this.components.self ? seen : [...seen, this.components.self]
    const seenNow = new Set(holders)
    const patience = UNSURE_GRACES * this.components.settings.lossGrace
    for (const [peer, holder] of state.holders) {
      if (unsure.has(peer) && now - holder.lastSeen < patience) continue
      state.misses.set(peer, seenNow.has(peer) ? 0 : (state.misses.get(peer) ?? 0) + 1)
    }
    for (const peer of holders) {
      if (peer === file.owner) continue
      const known = state.holders.get(peer)
      state.holders.set(peer, { peerId: peer, firstSeen: known?.firstSeen ?? now, lastSeen: now })
      state.serving.add(peer)
    }
    // a peer that accepted and is still fetching is not lost before its fetch may time out
    for (const holder of state.holders.values()) {
      if (!state.serving.has(holder.peerId) && now - holder.firstSeen < this.components.settings.fetchTimeout) holder.lastSeen = now
    }
  }

  /** The candidates for a file, ranked: peers offering room for it, weighted by what this node observed */
  private rank (file: KeptFile): ReturnType<typeof rankHolders> {
    const { membership, self, groupOf, isContact, settings } = this.components
    const candidates = membership.offers().filter(o => o.peerId !== self).map(o => {
      const seen = membership.observed(o.peerId)
      const weight = candidateWeight({
        freeBytes: o.freeBytes,
        size: file.size,
        // reliability as this node observed it: reachability, scaled by answered requests
        uptime: seen.uptime * (0.5 + seen.successRatio),
        load: 0,
        contact: isContact?.(o.peerId) ?? false,
        refuses: file.encrypted && !o.acceptsEncrypted
      })
      const group = settings.onePerSubnet ? groupOf?.(o.peerId) : undefined
      return { peerId: o.peerId, weight, ...(group != null ? { group } : {}) }
    })
    return rankHolders(file.fileId, candidates, { onePerGroup: settings.onePerSubnet })
  }

  /**
   * Asks the chosen candidates at once; each refusal moves on to the next reserve. An
   * accepting peer counts as a holder from now (it is fetching), so the next check
   * does not ask another while it fetches; it is lost if it never serves.
   */
  private async recruit (file: KeptFile, state: FileState, decision: Decision): Promise<void> {
    const reserve = [...decision.reserve]
    const request: ReplicateRequest = { fileId: file.fileId, size: file.size, policy: file.policy, encrypted: file.encrypted, ...(file.owner !== this.components.self ? { owner: file.owner } : {}) }
    const askUntilAccepted = async (first: string | undefined): Promise<void> => {
      for (let peer = first; peer != null && !this.controller.signal.aborted; peer = reserve.shift()) {
        if (await this.ask(peer, request, state)) return
      }
    }
    await Promise.all(decision.recruit.map(askUntilAccepted))
  }

  private async ask (peer: string, request: ReplicateRequest, state: FileState): Promise<boolean> {
    const { requests, membership, settings, log } = this.components
    let answer: Awaited<ReturnType<ReplicaRequests['ask']>>
    try {
      answer = await requests.ask(this.components.peerIdOf(peer), request, AbortSignal.any([this.controller.signal, AbortSignal.timeout(settings.requestTimeout)]))
    } catch (err: any) {
      log('replicate request of %s to %s failed: %s', request.fileId, peer, err.message)
      answer = 'busy'
    }
    const now = this.now()
    membership.noteOutcome(peer, answer === 'accept')
    if (answer !== 'accept') {
      state.refused.set(peer, now)
      log('%s answered %s for %s', peer, answer, request.fileId)
      return false
    }
    state.holders.set(peer, { peerId: peer, firstSeen: now, lastSeen: now })
    return true
  }

  /** This holder is among the lowest-ranked extra ones: it drops its replica */
  private async letGo (fileId: string, state: FileState): Promise<void> {
    this.components.log('dropping surplus replica of %s', fileId)
    await this.components.held?.drop(fileId)
    clearTimeout(state.timer)
    this.files.delete(fileId)
  }

  /** What a check found: only holders seen serving are live; the state is theirs, accepted-but-fetching ones aside */
  private statusOf (file: KeptFile, decision: Decision, serving: Set<string>, now: number): FileReplication {
    const live = decision.live.filter(p => serving.has(p))
    const fetching = decision.live.filter(p => !serving.has(p))
    const { min, max } = file.policy
    const state = live.length < min ? 'under-replicated' : live.length > max ? 'over' : 'ok'
    const why = state === 'under-replicated' ? decision.why ?? 'recruiting' : undefined
    return {
      fileId: file.fileId,
      policy: file.policy,
      live,
      fetching,
      state,
      ...(why != null ? { why } : {}),
      lost: decision.lost,
      lastCheck: now,
      role: file.owner === this.components.self ? 'owner' : 'holder'
    }
  }
}
