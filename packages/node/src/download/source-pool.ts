/**
 * The sources of one download: which peers it fetches from now, which it is dialling,
 * which failed lately (retried after `sourceRefreshInterval`), which are banned for bad
 * data, and which asked us for the same file. It finds sources among the peers the
 * download remembers, the interested ones and the DHT's providers, up to `maxSources`,
 * and runs a SourceWorker for each.
 */
import type { Logger } from '@libp2p/interface'
import { type FileRef, parseFileId } from '@peershare/protocol'
import { FileNotFoundError, PeerMisbehavedError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import { SourceWorker, type WorkerHost } from './source-worker.js'

/** Peers that asked us for this file, remembered as possible sources */
const MAX_INTERESTED = 256
/** Sources remembered in a download's record, for after a restart */
const MAX_REMEMBERED = 64

export interface TransferSettings {
  maxSources: number
  /** bad chunks a source may send before it is banned for this file */
  maxStrikes: number
  /** how often to look for more sources while running (ms) */
  sourceRefreshInterval: number
  /** give up when no source could be reached for this long (ms) */
  noSourceTimeout: number
  /** how often verified chunks are synced and recorded (ms) */
  checkpointInterval: number
}

/** Where sources come from: the rest of the node, narrowed to what a download uses */
export interface SourceFinder {
  /** opens a session for the file with a peer (a multiaddr or peer id as text) */
  open(target: string, ref: FileRef, signal: AbortSignal): Promise<FetchSession>
  /** peers the DHT says have the file (peer ids as text) */
  providers(fileId: string, signal: AbortSignal): AsyncIterable<string>
}

export interface SourcePoolInit {
  host: WorkerHost & { readonly fileId: string, readonly name: string, readonly running: boolean }
  finder: SourceFinder
  settings: TransferSettings
  log: Logger
  /** peers remembered for this download (grows as sources answer) */
  remembered: string[]
  /** the remembered list changed: persist it */
  rememberedChanged(): void
}

export class SourcePool {
  private readonly workers = new Map<string, SourceWorker>()
  private readonly opening = new Set<string>()
  private readonly failedAt = new Map<string, number>()
  private readonly banned = new Set<string>()
  private readonly strikes = new Map<string, number>()
  private readonly interested = new Set<string>()
  private lastSourceAt = Date.now()
  private lastError: Error | undefined

  constructor (private readonly init: SourcePoolInit) {}

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

  activePeers (): string[] {
    return [...this.workers.keys()]
  }

  /** Starts the no-source clock afresh (a download starting or resuming) */
  restartClock (): void {
    this.lastSourceAt = Date.now()
  }

  /** True when nothing fetched or dialled for `noSourceTimeout` */
  starved (): boolean {
    return this.workers.size === 0 && this.opening.size === 0 && Date.now() - this.lastSourceAt > this.init.settings.noSourceTimeout
  }

  wantsMore (): boolean {
    return this.workers.size < this.init.settings.maxSources
  }

  /** Tries remembered and interested peers, then the DHT's providers */
  async find (signal: AbortSignal): Promise<void> {
    for (const peer of [...this.init.remembered, ...this.interested]) this.tryOpen(peer, signal)
    try {
      for await (const peer of this.init.finder.providers(this.init.host.fileId, signal)) {
        if (this.workers.size + this.opening.size >= this.init.settings.maxSources) break
        this.tryOpen(peer, signal)
      }
    } catch (err: any) {
      this.init.log('provider lookup for %s failed: %s', this.init.host.fileId, err.message)
    }
  }

  /** A peer asked us for this file: it may be downloading it too, and have chunks */
  noteInterest (peer: string, signal: AbortSignal): void {
    if (this.interested.size >= MAX_INTERESTED && !this.interested.has(peer)) return
    this.interested.add(peer)
    if (this.init.host.running) this.tryOpen(peer, signal)
  }

  /** Runs a worker on an open session (or closes it if the peer is fetched from already, or banned) */
  add (session: FetchSession): void {
    const peer = session.peer.toString()
    if (this.workers.has(peer) || this.banned.has(peer) || !this.init.host.running) {
      void session.complete()
      return
    }
    const worker = new SourceWorker(this.init.host, session)
    this.workers.set(peer, worker)
    this.lastSourceAt = Date.now()
    this.remember(peer)
    worker.run()
      .catch((err: any) => {
        this.failedAt.set(peer, Date.now())
        this.lastError = err
        this.init.log('source %s dropped from %s: %s', peer, this.init.host.fileId, err.message)
      })
      .finally(() => {
        this.workers.delete(peer)
        this.lastSourceAt = Date.now()
        // its chunks in flight are free again: let the others take them
        this.wakeAll()
      })
  }

  /** Records a bad chunk from `peer`; true when the peer is now banned */
  strike (peer: string): boolean {
    const strikes = (this.strikes.get(peer) ?? 0) + 1
    this.strikes.set(peer, strikes)
    this.init.log('bad chunk from %s for %s (%d strikes)', peer, this.init.host.fileId, strikes)
    if (strikes < this.init.settings.maxStrikes) return false
    this.banned.add(peer)
    return true
  }

  cancelElsewhere (peers: string[], index: number): void {
    for (const peer of peers) this.workers.get(peer)?.cancelChunk(index)
  }

  wakeAll (): void {
    for (const worker of this.workers.values()) worker.wake()
  }

  /** Why the download cannot go on: naming a banned peer when there is one */
  noSourceError (): Error {
    const name = this.init.host.name
    if (this.banned.size > 0) {
      return new PeerMisbehavedError(`No source left for ${name}: ${[...this.banned].join(', ')} sent data that fails verification and was banned`)
    }
    const last = this.lastError == null ? '' : ` (last: ${this.lastError.message})`
    return new FileNotFoundError(`No source for ${name} answered for ${this.init.settings.noSourceTimeout / 1000} s${last}`)
  }

  private tryOpen (target: string, signal: AbortSignal): void {
    const id = peerIdOf(target)
    const retryAfter = (this.failedAt.get(id) ?? 0) + this.init.settings.sourceRefreshInterval
    if (this.workers.has(id) || this.opening.has(id) || this.banned.has(id) || Date.now() < retryAfter) return
    if (this.workers.size + this.opening.size >= this.init.settings.maxSources) return
    this.opening.add(id)
    this.init.finder.open(target, { kind: 'file-id', fileId: parseFileId(this.init.host.fileId) }, signal)
      .then(session => { this.add(session) })
      .catch((err: any) => {
        this.failedAt.set(id, Date.now())
        this.init.log('source %s for %s: %s', target, this.init.host.fileId, err.message)
      })
      .finally(() => { this.opening.delete(id) })
  }

  /** Remembers a source by peer id, so a restarted download can ask it again */
  private remember (peer: string): void {
    const list = this.init.remembered
    if (list.some(s => peerIdOf(s) === peer)) return
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
