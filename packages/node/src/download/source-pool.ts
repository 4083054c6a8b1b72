/**
 * The sources of one download: which peers it fetches from now, which it is dialling,
 * which failed lately (retried after `sourceRefreshInterval`, or at each look while
 * the download is stalled), which are banned for bad data, and which asked us for the
 * same file. It finds sources among the peers the download remembers, the interested
 * ones and the DHT's providers, up to `maxSources`, and runs a SourceWorker for each.
 * A source on a relay moves to a direct connection to the same peer as soon as there is
 * one, whichever comes first: the direct connection, or the relayed one closing.
 * With none delivering, it says why (`stall`).
 */
import type { Connection, Logger, PeerId } from '@libp2p/interface'
import { movesToDirect, type Route, routeOf } from '../reachability/route.js'
import { type FileRef, parseFileId } from '@peershare/protocol'
import type { FetchSession, FirstAsk, FirstRequest } from '../exchange/fetch-session.js'
import { FirstAsks } from './first-ask.js'
import { SourceWorker, type WorkerHost } from './source-worker.js'
import type { StallReason } from './transfer-progress.js'

/** Longest the first DHT lookup waits for the known peers being opened (a dial that hangs does not hold it up for its whole timeout) */
const LOOKUP_PUT_OFF_MS = 5_000
/** How long a download's first DHT lookup may run before the download counts as stalled (it says why then) */
const FIRST_LOOKUP_GRACE_MS = 5000

/** The stall of a node connected to nobody: a bootstrap peer down, or none given, and no peer on the LAN */
const NO_PEERS_MESSAGE = 'connected to no peer: nobody to ask for it (are the bootstrap peers up? `peershare swarm connect <multiaddr>` adds one)'

/** Peers that asked us for this file, remembered as possible sources */
const MAX_INTERESTED = 256
/** Sources remembered in a download's record, for after a restart */
const MAX_REMEMBERED = 64
/** DHT providers remembered (in memory) to tell "nobody has it" from "nobody answers" */
const MAX_SEEN = 256
/**
 * Peers whose failure, strikes or ban one download remembers; past it the one
 * remembered longest is forgotten (made-up providers in DHT answers change every lookup)
 */
export const MAX_FAILED = 1024

export interface TransferSettings {
  maxSources: number
  /** bad chunks a source may send before it is banned for this file */
  maxStrikes: number
  /** how often to look for more sources while running (ms) */
  sourceRefreshInterval: number
  /** longest wait between looks for sources while stalled (ms): the waits double from 2 s up to it */
  stallRetryMax: number
  /** how often verified chunks are synced and recorded (ms) */
  checkpointInterval: number
}

/** Where sources come from: the rest of the node, narrowed to what a download uses */
export interface SourceFinder {
  /** opens a session for the file with a peer (a multiaddr or peer id as text), asking for `first`'s chunks with the Want */
  open(target: string, ref: FileRef, signal: AbortSignal, first?: FirstRequest): Promise<FetchSession>
  /** peers the DHT says have the file (peer ids as text) */
  providers(fileId: string, signal: AbortSignal): AsyncIterable<string>
  /** the open connections to a peer (a source on a relay moves to a direct one) */
  connections?(peer: string): PeerConnection[]
  /** the node's open connections: none means nobody to ask, not that nobody has the file */
  openConnections?(): number
}

/** What a download reads of a connection: whether it is direct */
export type PeerConnection = Pick<Connection, 'remoteAddr' | 'limits'>

/** The download a pool serves: a worker host once its manifest is known */
export interface PoolHost extends WorkerHost {
  readonly fileId: string
  readonly name: string
  readonly running: boolean
  /** true once the manifest is known (workers need it) */
  readonly ready: boolean
  /** takes the manifest (and name) from the first verified session; rejects if the download cannot go on */
  adopt(session: FetchSession): Promise<void>
  /** a source sent an Offer that fails verification and is banned for this file (metrics) */
  lyingOffer?(): void
}

export interface SourcePoolInit {
  host: PoolHost
  finder: SourceFinder
  settings: Pick<TransferSettings, 'maxSources' | 'maxStrikes' | 'sourceRefreshInterval'>
  log: Logger
  /** peers remembered for this download (grows as sources answer) */
  remembered: string[]
  /** the remembered list changed: persist it */
  rememberedChanged(): void
  /**
   * fetch from the peers given only (remembered and suggested): no DHT lookup, no peer
   * that asks us for the file. A replica fetch takes what its asker serves, nothing more
   */
  fixedSources?: boolean
}

/** Why a peer could not be used lately */
type Failure = 'unreachable' | 'not-found' | 'busy' | 'relay-limited'

export class SourcePool {
  private readonly workers = new Map<string, SourceWorker>()
  private readonly opening = new Set<string>()
  private readonly failedAt = new Map<string, number>()
  private readonly banned = new Set<string>()
  private readonly strikes = new Map<string, number>()
  private readonly interested = new Set<string>()
  private readonly failures = new Map<string, Failure>()
  private readonly seen = new Set<string>()
  private lastError: Error | undefined
  /** peers whose relayed session ends, to be reopened on a direct connection */
  private readonly reopen = new Set<string>()
  private lastRelayLimit: Error | undefined
  /** peers whose open failed and was retried at once since their last session ran (`openFailed`) */
  private readonly retriedAtOnce = new Set<string>()
  private looking = false
  /** what ends the DHT lookups (`find`'s `lookupSignal`, the last one given): the lookup put off for the known peers runs with it too */
  private lookupSignal?: AbortSignal
  /** DHT lookups that ended, and when the first began */
  private lookupsEnded = 0
  private firstLookupAt = 0
  /**
   * The first DHT lookup: not yet asked for, put off since a time, or done. It waits while
   * known peers are being opened, at most LOOKUP_PUT_OFF_MS: a lookup asks many nodes just
   * as the download starts up (measured: 60–100 ms of a 330 ms start-up, and every asked
   * node's CPU). It runs at once when the known peers all failed.
   */
  private firstLookup: 'not-yet' | { putOffAt: number } | 'done' = 'not-yet'
  /** the chunks each source is asked for with its Want */
  private readonly firstAsks: FirstAsks

  constructor (private readonly init: SourcePoolInit) {
    this.firstAsks = new FirstAsks(init.host)
  }

  get active (): number {
    return this.workers.size
  }

  get bannedPeers (): string[] {
    return [...this.banned]
  }

  has (peer: string): boolean {
    return this.workers.has(peer)
  }

  rate (peer: string): number {
    return this.workers.get(peer)?.stats().rate ?? 0
  }

  /** How an active source is connected (directly, or through a relay) */
  via (peer: string): Route['via'] | undefined {
    return this.workers.get(peer)?.session.route.via
  }

  activePeers (): string[] {
    return [...this.workers.keys()]
  }

  /**
   * True when no source is delivering and none is being opened; not in the first
   * FIRST_LOOKUP_GRACE_MS of the first DHT lookup, while no source failed and there are
   * peers to ask: a download just begun is looking, not stalled (connected to nobody, it
   * is stalled at once, and says why; a lookup that runs long says so too)
   */
  stalled (): boolean {
    if (this.workers.size > 0 || this.opening.size > 0) return false
    const firstLookup = this.looking && this.lookupsEnded === 0 && this.failedAt.size === 0 && Date.now() - this.firstLookupAt < FIRST_LOOKUP_GRACE_MS
    return !(firstLookup && (this.init.finder.openConnections?.() ?? 1) > 0)
  }

  /** Why nothing delivers: a stable reason and a line for a person */
  stall (): { reason: StallReason, message: string } {
    const known = new Set([...this.init.remembered.map(peerIdOf), ...this.interested, ...this.seen, ...this.banned])
    const usable = [...known].filter(p => !this.banned.has(p))
    if (known.size === 0 && this.init.finder.openConnections?.() === 0) return { reason: 'no-peers', message: NO_PEERS_MESSAGE }
    if (known.size === 0) return { reason: 'no-providers', message: 'no providers found' }
    if (usable.length === 0) return { reason: 'all-banned', message: `all sources banned: ${[...this.banned].join(', ')} sent data that fails verification` }
    const failures = usable.map(p => this.failures.get(p))
    if (failures.every(f => f === 'not-found')) return { reason: 'no-providers', message: `no providers found: the ${usable.length} peer(s) asked do not have it` }
    if (failures.every(f => f === 'busy' || f === 'not-found')) return { reason: 'paused-by-sources', message: 'paused by every source: they are busy' }
    if (this.lastRelayLimit != null && failures.includes('relay-limited')) return { reason: 'relay-limited', message: this.lastRelayLimit.message }
    const last = this.lastError == null ? '' : ` (last: ${this.lastError.message})`
    return { reason: 'providers-unreachable', message: `providers unreachable: ${usable.length} known, none answers${last}` }
  }

  wantsMore (): boolean {
    return this.workers.size < this.init.settings.maxSources
  }

  /**
   * Tries remembered and interested peers, then the DHT's providers; one look at a
   * time. `retryFailed` (a stalled download) asks peers that failed lately again.
   * `lookupSignal` ends the DHT lookup: it may outlive `signal` (a complete download's
   * lookup walks to its end, opening nobody, for the provide that follows).
   */
  async find (signal: AbortSignal, retryFailed = false, lookupSignal = signal): Promise<void> {
    this.lookupSignal = lookupSignal
    for (const peer of [...this.init.remembered, ...this.interested]) this.tryOpen(peer, signal, retryFailed)
    if (this.init.fixedSources === true) return
    if (this.putOffLookup()) return
    // a DHT lookup may take up to lookupTimeout: known peers above are asked again meanwhile, the DHT not
    if (this.looking) return
    this.looking = true
    if (this.lookupsEnded === 0) this.firstLookupAt = Date.now()
    try {
      for await (const peer of this.init.finder.providers(this.init.host.fileId, lookupSignal)) {
        if (signal.aborted) continue
        if (this.seen.size < MAX_SEEN) this.seen.add(peer)
        if (this.workers.size + this.opening.size >= this.init.settings.maxSources) break
        this.tryOpen(peer, signal, retryFailed)
      }
    } catch (err: any) {
      this.init.log('provider lookup for %s failed: %s', this.init.host.fileId, err.message)
    } finally {
      this.looking = false
      this.lookupsEnded++
    }
  }

  /** True while the first DHT lookup waits for the known peers being opened */
  private putOffLookup (): boolean {
    if (this.firstLookup === 'done') return false
    const putOffAt = this.firstLookup === 'not-yet' ? Date.now() : this.firstLookup.putOffAt
    const wait = this.opening.size > 0 && Date.now() - putOffAt < LOOKUP_PUT_OFF_MS
    this.firstLookup = wait ? { putOffAt } : 'done'
    return wait
  }

  /** A replica fetch a user's download took over: the DHT and peers asking for the file are sources from now on */
  openToAll (): void {
    this.init.fixedSources = false
  }

  /** More peers said to have the file (a later `get --peer`): remembered, and tried now */
  suggest (targets: string[], signal: AbortSignal): void {
    for (const target of targets) {
      this.remember(target)
      this.tryOpen(target, signal, true)
    }
  }

  /** A peer asked us for this file: it may be downloading it too, and have chunks */
  noteInterest (peer: string, signal: AbortSignal): void {
    if (this.init.fixedSources === true) return
    if (this.interested.size >= MAX_INTERESTED && !this.interested.has(peer)) return
    this.interested.add(peer)
    if (this.init.host.running) this.tryOpen(peer, signal)
  }

  /**
   * Runs a worker on an open session (or closes it if the peer is fetched from
   * already, or banned). The first session of a download without a manifest gives it one.
   */
  async add (session: FetchSession): Promise<void> {
    const peer = session.peer.toString()
    const host = this.init.host
    if (!host.ready && host.running && !this.banned.has(peer)) {
      try {
        await host.adopt(session)
      } catch (err: any) {
        session.abort(err)
        this.releaseFirst(peer)
        return
      }
    }
    if (this.workers.has(peer) || this.banned.has(peer) || !host.running || !host.ready) {
      // chunks claimed for it with its Want go back (not those of a worker running for the peer)
      this.releaseFirst(peer)
      void session.complete()
      return
    }
    // the runs asked for blind go into the picker before any worker takes chunks from it
    this.firstAsks.claimBlindRuns()
    const worker = new SourceWorker(host, session)
    this.workers.set(peer, worker)
    // a direct connection may have opened while this session was set up through a relay
    queueMicrotask(() => { this.moveToDirect(peer, this.init.finder.connections?.(peer) ?? []) })
    this.failures.delete(peer)
    this.retriedAtOnce.delete(peer)
    this.remember(peer)
    let reopenNow = false
    worker.run()
      .catch((err: any) => { reopenNow = this.sessionFailed(worker, err) })
      .finally(() => {
        this.workers.delete(peer)
        // its chunks in flight are free again: let the others take them
        this.wakeAll()
        // libp2p's dial prefers the direct connection now open
        if ((this.reopen.delete(peer) || reopenNow) && host.running) this.tryOpen(peer, host.signal, true)
      })
  }

  /** A connection to `peer` opened: a source fetched through a relay moves to it when it is direct */
  connectionOpened (peer: string, connection: PeerConnection): void {
    this.moveToDirect(peer, [connection])
    this.retryOnDirect(peer, connection)
  }

  /**
   * A worker failed: true when its peer is to be opened again at once because only its
   * connection was lost (see `lostConnection`); otherwise the failure is recorded
   */
  private sessionFailed (worker: SourceWorker, err: any): boolean {
    const { peer, session } = worker
    if (this.lostConnection(worker, err)) {
      this.init.log('source %s of %s lost its %s connection (%s): opened again at once', peer, this.init.host.fileId, session.route.via, err.message)
      return true
    }
    this.failed(peer, err)
    this.init.log('source %s dropped from %s: %s', peer, this.init.host.fileId, err.message)
    return false
  }

  /**
   * True when a session broke off because its connection closed (not bad data, not a
   * refusal) and the peer can be reached again at once: on a direct connection already
   * open (DCUtR closes the relayed connection once it has a direct one, and that may
   * reach us before `connection:open`), or by a fresh dial when the source was not on a
   * limited relay (whose caps it has just used up) and delivered since it opened (so a
   * peer whose sessions keep breaking gets the usual back-off). Not the peer's fault:
   * nothing is recorded against it.
   */
  private lostConnection (worker: SourceWorker, err: any): boolean {
    if (err?.name !== 'PeerUnreachableError' && err?.name !== 'RelayLimitedError') return false
    const route = worker.session.route
    if ((this.init.finder.connections?.(worker.peer) ?? []).some(c => movesToDirect(route, c))) return true
    return route.via !== 'relayed (limited)' && worker.stats().chunks > 0
  }

  /**
   * A direct connection opened to a peer whose last session failed for want of a
   * connection (unreachable, or a relay closed it): opened again at once on it rather
   * than at the next look (the direct connection DCUtR opens may come just after the
   * relayed one closed)
   */
  private retryOnDirect (peer: string, connection: PeerConnection): void {
    const failure = this.failures.get(peer)
    if (failure !== 'unreachable' && failure !== 'relay-limited') return
    if (this.workers.has(peer) || !this.init.host.running || routeOf(connection).via !== 'direct') return
    this.init.log('a direct connection to %s opened: it is asked for %s again', peer, this.init.host.fileId)
    this.tryOpen(peer, this.init.host.signal, true)
  }

  /** Ends a relayed session of `peer` (to reopen it) when one of `connections` to it is direct */
  private moveToDirect (peer: string, connections: PeerConnection[]): void {
    const worker = this.workers.get(peer)
    if (worker == null || this.reopen.has(peer) || !connections.some(c => movesToDirect(worker.session.route, c))) return
    this.init.log('source %s of %s moves to a direct connection', peer, this.init.host.fileId)
    this.reopen.add(peer)
    worker.retire()
  }

  /** Records a bad chunk from `peer`; true when the peer is now banned */
  strike (peer: string): boolean {
    const strikes = (this.strikes.get(peer) ?? 0) + 1
    remembered(this.strikes, peer, strikes)
    this.init.log('bad chunk from %s for %s (%d strikes)', peer, this.init.host.fileId, strikes)
    if (strikes < this.init.settings.maxStrikes) return false
    rememberedIn(this.banned, peer)
    return true
  }

  /** Stops the session with `peer`, banned on another source's evidence */
  expel (peer: string): void {
    this.workers.get(peer)?.expel()
  }

  /** Peers' workers stop fetching chunk `index`, or only its part `part` */
  cancelElsewhere (peers: string[], index: number, part?: number): void {
    for (const peer of peers) {
      const worker = this.workers.get(peer)
      if (part === undefined) worker?.cancelChunk(index)
      else worker?.cancelPart(index, part)
    }
  }

  wakeAll (): void {
    for (const worker of this.workers.values()) worker.wake()
  }

  private tryOpen (target: string, signal: AbortSignal, retryFailed = false): void {
    const id = peerIdOf(target)
    const retryAfter = retryFailed ? 0 : (this.failedAt.get(id) ?? 0) + this.init.settings.sourceRefreshInterval
    if (this.workers.has(id) || this.opening.has(id) || this.banned.has(id) || Date.now() < retryAfter) return
    if (this.workers.size + this.opening.size >= this.init.settings.maxSources) return
    this.opening.add(id)
    let retryNow = false
    // the peer a session claimed chunks for (a target without /p2p/ names it only once dialled)
    let claimedFor: string | undefined
    const first = async (peer: PeerId): Promise<FirstAsk | undefined> => {
      claimedFor = peer.toString()
      if (this.workers.has(claimedFor) || this.banned.has(claimedFor)) return undefined
      return this.firstAsks.claim(claimedFor)
    }
    this.init.finder.open(target, { kind: 'file-id', fileId: parseFileId(this.init.host.fileId) }, signal, first)
      // the peer counts as being opened until its worker runs (or adopting the manifest failed)
      .then(async session => { await this.add(session) })
      .catch((err: any) => {
        if (claimedFor != null) this.releaseFirst(claimedFor)
        retryNow = this.openFailed(id, target, err)
      })
      .finally(() => {
        this.opening.delete(id)
        if (retryNow && this.init.host.running) this.tryOpen(target, signal, true)
        // the known peers are opened: the lookup put off for them runs now if none of them works, else at the next look
        if (typeof this.firstLookup === 'object' && this.opening.size === 0) {
          this.firstLookup = 'done'
          if (this.workers.size === 0 && this.init.host.running) void this.find(signal, false, this.lookupSignal ?? signal)
        }
      })
  }

  /** Lets go of chunks claimed for a Want whose session did not become a worker */
  private releaseFirst (peer: string): void {
    if (!this.workers.has(peer)) this.firstAsks.release(peer)
  }

  /**
   * Records why opening `peer` failed; true when it is to be tried again at once: it
   * failed for want of a connection (DCUtR closing the relayed one, a dial begun before
   * the direct connection opened) and a direct connection to it is open now. Once
   * between two sessions that ran, so a peer whose direct connection fails too gets the usual back-off
   */
  private openFailed (peer: string, target: string, err: any): boolean {
    this.init.log('source %s for %s: %s', target, this.init.host.fileId, err.message)
    const lost = err?.name === 'PeerUnreachableError' || err?.name === 'RelayLimitedError'
    const direct = (this.init.finder.connections?.(peer) ?? []).some(c => routeOf(c).via === 'direct')
    if (lost && direct && !this.retriedAtOnce.has(peer)) {
      this.retriedAtOnce.add(peer)
      return true
    }
    this.failed(peer, err)
    return false
  }

  /** Bans `peer` from this download (counted once, as a lying Offer, in metrics) */
  private ban (peer: string): void {
    if (!this.banned.has(peer)) this.init.host.lyingOffer?.()
    rememberedIn(this.banned, peer)
  }

  /** Records why a peer failed; one whose Offer fails verification is lying and is banned */
  private failed (peer: string, err: any): void {
    remembered(this.failedAt, peer, Date.now())
    this.lastError = err
    if (err?.name === 'PeerMisbehavedError') this.ban(peer)
    else if (err?.name === 'FileNotFoundError') remembered(this.failures, peer, 'not-found')
    else if (err?.name === 'SourceBusyError') remembered(this.failures, peer, 'busy')
    else if (err?.name === 'RelayLimitedError') {
      remembered(this.failures, peer, 'relay-limited')
      this.lastRelayLimit = err
    }
    else remembered(this.failures, peer, 'unreachable')
  }

  /** Remembers a source by peer id, so a restarted download can ask it again */
  private remember (peer: string): void {
    const list = this.init.remembered
    if (list.some(s => peerIdOf(s) === peerIdOf(peer))) return
    list.push(peer)
    list.splice(0, Math.max(0, list.length - MAX_REMEMBERED))
    this.init.rememberedChanged()
  }
}

/** The peer id part of a multiaddr with /p2p/, or the text itself when it is a peer id */
function peerIdOf (target: string): string {
  const at = target.lastIndexOf('/p2p/')
  return at >= 0 ? target.slice(at + 5) : target
}

/** Sets `key` as the newest entry of `map`, forgetting the oldest past MAX_FAILED */
function remembered<V> (map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_FAILED) map.delete(map.keys().next().value as string)
}

/** Adds `key` as the newest entry of `set`, forgetting the oldest past MAX_FAILED */
function rememberedIn (set: Set<string>, key: string): void {
  set.delete(key)
  set.add(key)
  if (set.size > MAX_FAILED) set.delete(set.values().next().value as string)
}
