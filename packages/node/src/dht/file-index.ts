/**
 * The distributed file index on the Kademlia DHTs (the LAN one and the public one).
 * Every file this node can serve is provided, in every DHT, under two keys: its file
 * id, and the raw-codec CID of its whole-file SHA-256 (so a plain `sha256sum` finds
 * it). kad-dht republishes our records before they expire; removing a file withdraws
 * them from our own answers. Lookups ask every DHT at once. Provider records are hints
 * from anyone: a downloader checks what a provider actually serves.
 */
import type { Logger, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import { type ContentRef, hexToBytes, parseFileId, sha256Cid } from '@peershare/protocol'
import type { CID } from 'multiformats/cid'
import { providedNames } from '../access/index.js'
import { AbortedError } from '../errors.js'
import { untilAborted } from '../signals.js'
import type { FileRecord } from '../store/file-record.js'

/** One DHT as the index uses it */
export interface IndexDht {
  /** for logs */
  name: string
  dht: Pick<KadDHT, 'provide' | 'findProviders' | 'cancelReprovide'>
  /** peers in its routing table: an empty one has nobody to ask yet */
  routingTableSize(): number
  /** the addresses of a provider this DHT may hand out (kad-dht's local records skip its mapper); default all */
  keepAddresses?: (peer: PeerInfo) => PeerInfo
}

/** Closest peers a new provider record must be written to before `provide` resolves (doc/LIMITS.md) */
export const PROVIDE_STORED_ENOUGH = 3

export interface FileIndexComponents {
  dhts: IndexDht[]
  /** provider addresses go here, so a provider found can be dialled by its peer id */
  peerStore: Pick<PeerStore, 'merge'>
  peerId: PeerId
  log: Logger
  /** background announcements running at once; the rest wait their turn */
  concurrency: number
}

/** What the index needs of a file: its two names, and what decides which of them are provided (access/) */
export interface IndexedFile extends Partial<Pick<FileRecord, 'visibility' | 'encrypted'>> {
  fileId: string
  /** whole-file SHA-256, hex */
  sha256: string
}

/** When a file's announcement was queued, started, and had its records stored by a DHT (ms since the epoch) */
export interface Announced {
  queuedAt: number
  startedAt: number
  storedAt: number
}

/** An announcement waiting for its turn; `drop` tells whoever waits for it that it will not run */
interface QueuedAnnouncement {
  what: string
  provide: (signal: AbortSignal) => Promise<void>
  drop: (err: Error) => void
}

function stoppedError (): Error {
  return new AbortedError('The file index stopped before the announcement ran')
}

export class FileIndex {
  private readonly components: FileIndexComponents
  private readonly running = new AbortController()
  /** every provide still running, in any DHT, so stop() can wait for them */
  private readonly pending = new Set<Promise<void>>()
  /** announcements waiting: sharing a folder of thousands of files must not start thousands of DHT queries at once */
  private readonly queue: QueuedAnnouncement[] = []
  /** announcements from the queue not yet stored by any DHT */
  private active = 0
  /** files whose announcement runs now, by file id */
  private readonly announcing = new Map<string, Promise<void>>()
  /**
   * each file's latest announcement, by file id: settles once a DHT stored its records
   * (or every DHT failed); kept until the file is withdrawn, one per file as the store
   * keeps its record (`whenAnnounced`)
   */
  private readonly announced = new Map<string, Promise<Announced>>()
  /**
   * per file with announcements queued or running: what `withdraw` aborts, so one queued
   * before the file was removed or made private does not provide it when its turn comes
   */
  private readonly announcements = new Map<string, { controller: AbortController, jobs: number }>()

  constructor (components: FileIndexComponents) {
    this.components = components
  }

  /** Publishes provider records for the file in the background (under the names its visibility allows; none: nothing) */
  announce (file: IndexedFile): void {
    if (providedKeys(file).length === 0) return
    const entry = this.announcements.get(file.fileId) ?? { controller: new AbortController(), jobs: 0 }
    this.announcements.set(file.fileId, entry)
    entry.jobs++
    const outcome = Promise.withResolvers<Announced>()
    outcome.promise.catch(() => {})
    this.announced.set(file.fileId, outcome.promise)
    const queuedAt = Date.now()
    this.enqueue(file.fileId, outcome.reject, async (signal) => {
      try {
        entry.controller.signal.throwIfAborted()
        const startedAt = Date.now()
        await this.announceNow(file, AbortSignal.any([signal, entry.controller.signal]))
        outcome.resolve({ queuedAt, startedAt, storedAt: Date.now() })
      } catch (err) {
        outcome.reject(err)
        throw err
      } finally {
        if (--entry.jobs === 0 && this.announcements.get(file.fileId) === entry) this.announcements.delete(file.fileId)
      }
    })
  }

  /** Runs a queued announcement, where a `provide` of the same file can find and wait for it */
  private async announceNow (file: IndexedFile, signal: AbortSignal): Promise<void> {
    const run = this.provideKeys(file.fileId, providedKeys(file), signal)
    this.announcing.set(file.fileId, run)
    try {
      await run
    } finally {
      if (this.announcing.get(file.fileId) === run) this.announcing.delete(file.fileId)
    }
  }

  /**
   * Resolves once the file's latest announcement (share() starts one) has stored its
   * records, with when it was queued, started and stored them: at once if it has, when
   * it does if it is queued or running. Runs no walk of
   * its own, unlike `provide`. Rejects if the announcement failed, was withdrawn or
   * dropped by `stop()`, and with RangeError if the file was never announced.
   */
  async whenAnnounced (file: Pick<IndexedFile, 'fileId'>, signal?: AbortSignal): Promise<Announced> {
    const outcome = this.announced.get(file.fileId)
    if (outcome == null) throw new RangeError(`${file.fileId} was not announced`)
    return await untilAborted(outcome, signal)
  }

  /** Publishes a provider record for a collection id in the background */
  announceCollection (collectionId: CID): void {
    this.enqueue(collectionId.toString(), () => {}, async (signal) => this.provideKeys(collectionId.toString(), [collectionId], signal))
  }

  /**
   * Publishes provider records for the file to every DHT; resolves once one of them
   * has stored them. The others go on in the background: a DHT with an empty routing
   * table (e.g. the public one on a LAN) waits for its first peer, as kad-dht does.
   * While the file's background announcement runs, waits for that one instead.
   */
  async provide (file: IndexedFile, signal?: AbortSignal): Promise<void> {
    // the file's announcement is running (share() starts one): the same walks would only run twice
    const running = this.announcing.get(file.fileId)
    if (running != null) return await untilAborted(running, signal)
    await this.provideKeys(file.fileId, providedKeys(file), signal)
  }

  private async provideKeys (what: string, keys: CID[], signal?: AbortSignal): Promise<void> {
    const tasks = this.components.dhts.map(dht => this.track(this.provideTo(dht, what, keys, signal)))
    try {
      await Promise.any(tasks)
    } catch (err: any) {
      throw err instanceof AggregateError ? err.errors[0] : err
    }
  }

  private async provideTo (dht: IndexDht, what: string, keys: CID[], signal?: AbortSignal): Promise<void> {
    const { name } = dht
    const stop = signal == null ? this.running.signal : AbortSignal.any([this.running.signal, signal])
    try {
      // the keys at once: each waits for its own closest-peers walk, which one after the
      // other doubled a provide (issue 14)
      await Promise.all(keys.map(async key => this.provideKey(dht, key, stop)))
    } catch (err: any) {
      this.components.log('announcing %s in the %s DHT failed: %s', what, name, err.message)
      throw err
    }
  }

  /**
   * Resolves once the record was written to PROVIDE_STORED_ENOUGH of the closest peers
   * (ADD_PROVIDER has no answer: kad-dht reports a record written to the stream), or
   * when the provide ends (fewer peers in a small swarm); the rest of the closest peers
   * get it in the background. kad-dht's provide ends only when the
   * slowest of the ~20 closest peers has answered or timed out: seconds later on a busy
   * network, while a lookup finds the record as soon as a few of them hold it.
   */
  private async provideKey ({ name, dht }: IndexDht, key: CID, signal: AbortSignal): Promise<void> {
    let stored: () => void = () => {}
    const enough = new Promise<void>(resolve => { stored = resolve })
    const took = providePhases(this.components.log, name, key)
    const drain = this.track((async () => {
      for await (const event of dht.provide(key, { signal })) {
        if (took(event) === PROVIDE_STORED_ENOUGH) stored()
      }
    })())
    await Promise.race([enough, drain])
  }

  /** Runs announcements in the background, at most `concurrency` at once until a DHT has stored each */
  private enqueue (what: string, drop: QueuedAnnouncement['drop'], provide: QueuedAnnouncement['provide']): void {
    if (this.running.signal.aborted) {
      drop(stoppedError())
      return
    }
    this.queue.push({ what, provide, drop })
    this.pump()
  }

  private pump (): void {
    while (this.active < this.components.concurrency && this.queue.length > 0) {
      const next = this.queue.shift() as (typeof this.queue)[number]
      this.active++
      next.provide(this.running.signal)
        .catch(() => { /* each DHT logged its own failure */ })
        .finally(() => {
          this.active--
          this.pump()
        })
    }
  }

  /** Keeps `task` until it settles, so stop() can wait for it */
  private track (task: Promise<void>): Promise<void> {
    const tracked = task.finally(() => { this.pending.delete(tracked) })
    tracked.catch(() => {})
    this.pending.add(tracked)
    return tracked
  }

  /** Stops republishing a collection id, in every DHT */
  async withdrawCollection (collectionId: CID): Promise<void> {
    for (const { dht } of this.components.dhts) await dht.cancelReprovide(collectionId)
  }

  /**
   * Stops republishing the file and drops our own record of providing it, in every DHT,
   * under both names (whatever its visibility was); its announcements queued or running end
   */
  async withdraw (file: IndexedFile): Promise<void> {
    // announcements queued are dropped; one running is aborted and waited for, so the
    // provider record it may have written is dropped below
    this.announcements.get(file.fileId)?.controller.abort()
    this.announcements.delete(file.fileId)
    this.announced.delete(file.fileId)
    await this.announcing.get(file.fileId)?.catch(() => {})
    for (const { dht } of this.components.dhts) {
      for (const key of bothKeys(file)) await dht.cancelReprovide(key)
    }
  }

  /**
   * Peers that say they have the file, each once, as the DHTs find them (never
   * ourselves); their addresses are added to the peer store on the way
   */
  async * findProviders (ref: ContentRef, signal?: AbortSignal): AsyncGenerator<PeerInfo> {
    const key = ref.kind === 'file-id' ? ref.fileId : ref.kind === 'collection' ? ref.collectionId : sha256Cid(ref.sha256)
    const seen = new Set<string>()
    for await (const peer of lookupAll(this.components.dhts, key, this.components.log, signal)) {
      const id = peer.id.toString()
      if (seen.has(id) || peer.id.equals(this.components.peerId)) continue
      seen.add(id)
      if (peer.multiaddrs.length > 0) await this.components.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs }).catch(() => {})
      yield peer
    }
  }

  /** Announcements waiting in the queue, and running (metrics) */
  queueStats (): { queued: number, active: number } {
    return { queued: this.queue.length, active: this.active }
  }

  /** Cancels background announcements */
  async stop (): Promise<void> {
    this.running.abort()
    for (const { drop } of this.queue.splice(0)) drop(stoppedError())
    await Promise.allSettled([...this.pending])
  }
}

/**
 * The providers every DHT finds for `key`, merged in the order they arrive. The
 * lookup ends when every DHT has finished, except that a DHT still waiting for its
 * first peer (kad-dht holds a query until its routing table has one) is given up once
 * the others are done: on a LAN the public DHT may never get one. A DHT that fails is
 * logged; only if all fail does the lookup throw.
 */
async function * lookupAll (dhts: IndexDht[], key: CID, log: Logger, signal?: AbortSignal): AsyncGenerator<PeerInfo> {
  const found: PeerInfo[] = []
  const errors: Error[] = []
  const active = new Map(dhts.map(d => [d, new AbortController()]))
  let wake: (() => void) | undefined
  const run = async (d: IndexDht, controller: AbortController): Promise<void> => {
    const stop = signal == null ? controller.signal : AbortSignal.any([signal, controller.signal])
    try {
      for await (const event of d.dht.findProviders(key, { signal: stop })) {
        if (event.name !== 'PROVIDER') continue
        found.push(...event.providers.map(d.keepAddresses ?? (peer => peer)))
        wake?.()
      }
    } catch (err: any) {
      if (!controller.signal.aborted) errors.push(err)
      if (signal?.aborted !== true && !controller.signal.aborted) log('lookup in the %s DHT failed: %s', d.name, err.message)
    } finally {
      active.delete(d)
      for (const [other, c] of active) if (other.routingTableSize() === 0) c.abort()
      wake?.()
    }
  }
  const tasks = [...active].map(async ([d, c]) => run(d, c))
  try {
    while (active.size > 0 || found.length > 0) {
      const next = found.shift()
      if (next != null) {
        yield next
        continue
      }
      await new Promise<void>(resolve => { wake = resolve })
      wake = undefined
    }
  } finally {
    for (const c of active.values()) c.abort()
    await Promise.allSettled(tasks)
  }
  signal?.throwIfAborted()
  if (errors.length === dhts.length) throw errors[0]
}

/**
 * Counts a provide's stored records (ADD_PROVIDER sent) and logs when its phases ended:
 * the closest-peers walk (its first FINAL_PEER) and the PROVIDE_STORED_ENOUGH-th
 * record, with what the walk had done by then (where a slow provide spent its time).
 * Returns the record count after each event.
 */
function providePhases (log: Logger, dht: string, key: CID): (event: QueryEvent) => number {
  const start = Date.now()
  const stored: number[] = []
  let walked = false
  const findNode = { asked: 0, answered: 0, firstAnswerMs: -1 }
  let failed = 0
  return event => {
    const ms = Date.now() - start
    if (event.name === 'SEND_QUERY' && event.messageName === 'FIND_NODE') findNode.asked++
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'FIND_NODE') {
      findNode.answered++
      if (findNode.firstAnswerMs < 0) findNode.firstAnswerMs = ms
    }
    if (event.name === 'QUERY_ERROR' && stored.length < PROVIDE_STORED_ENOUGH) failed++
    if (event.name === 'FINAL_PEER' && !walked) {
      walked = true
      log('provide %c in the %s DHT: closest peers found in %d ms (%d asked)', key, dht, ms, findNode.asked)
    }
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') {
      stored.push(ms)
      if (stored.length === PROVIDE_STORED_ENOUGH) {
        log('provide %c in the %s DHT: %d records stored after %d ms (records at %s ms; first FIND_NODE answer at %d ms; FIND_NODE asked %d, answered %d; requests failed %d)',
          key, dht, stored.length, ms, stored.join(', '), findNode.firstAnswerMs, findNode.asked, findNode.answered, failed)
      }
    }
    return stored.length
  }
}

function bothKeys (file: IndexedFile): CID[] {
  return [parseFileId(file.fileId), sha256Cid(hexToBytes(file.sha256))]
}

/** The keys the file is provided under: a contacts or private file never under its plaintext SHA-256 */
function providedKeys (file: IndexedFile): CID[] {
  const names = providedNames(file)
  const [fileId, sha256] = bothKeys(file)
  return [...(names.fileId ? [fileId] : []), ...(names.sha256 ? [sha256] : [])]
}
