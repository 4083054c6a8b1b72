/**
 * The holder side of replication (the `HeldReplicas` contract): answers replicate
 * requests (replicate-server.ts), reserving quota atomically (replica-book.ts), then
 * fetches the file from the asker alone through the normal download engine into the repo's
 * blob store (`hold`: every chunk verified, never decrypted, provided when done) and
 * marks its record a replica. A fetch that fails or passes `fetchTimeout` frees its
 * reservation and leaves nothing behind. A restart keeps the entries: held ones count
 * again, fetches under way start again (the download resumes from its partial file).
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ReplicateRequestMessage } from '@peershare/protocol'
import type { Datastore } from 'interface-datastore'
import type { Quarantine } from '../../records/index.js'
import type { FileRecord } from '../../store/file-record.js'
import type { HeldReplica, HeldReplicas, ReplicateAnswer, ReplicationSettings } from '../index.js'
import { ReplicaBook } from './replica-book.js'
import { ReplicateServer, type ReplicateServerComponents } from './replicate-server.js'

export interface HolderComponents {
  libp2p: ReplicateServerComponents['libp2p']
  datastore: Datastore
  quarantine: Quarantine
  settings: ReplicationSettings
  contacts: { isContact(peer: PeerId): boolean }
  /**
   * downloads a file of `size` bytes into the repo from `peer` only, never decrypting
   * it; resolves with its record. A manifest of another size fails it before anything is written
   */
  hold(fileId: string, peer: PeerId, size: number, signal: AbortSignal): Promise<FileRecord>
  /** the stored record of a file, if any */
  stored(fileId: string): Promise<FileRecord | undefined>
  /** marks a stored file a replica held for `replica.from`; undefined: the user's own file now */
  markReplica(fileId: string, replica: FileRecord['replica']): Promise<void>
  /** forgets a stored file: stops providing it, deletes its blob */
  remove(fileId: string): Promise<void>
  /** cancels a download of the file that is not complete, with its partial file and saved state */
  discard(fileId: string): Promise<void>
  /** true while the user downloads the file themselves (a download that is not a replica fetch) */
  userDownloads(fileId: string): boolean
  /** the quota used changed (a reservation made or freed): the storage offer may go again */
  usageChanged?(): void
  log: Logger
  now?(): number
}

export class Holder implements HeldReplicas {
  private readonly book: ReplicaBook
  private readonly server: ReplicateServer
  private readonly fetches = new Map<string, AbortController>()
  private stopping = false

  constructor (private readonly c: HolderComponents) {
    this.book = new ReplicaBook(c.datastore, c.quarantine, c.settings)
    this.server = new ReplicateServer({
      libp2p: c.libp2p,
      settings: c.settings,
      log: c.log,
      decide: (request, peer) => this.decide(request, peer),
      accepted: (fileId, peer) => { this.startFetch(fileId, peer) }
    })
  }

  async start (): Promise<void> {
    this.stopping = false
    await this.book.load()
    for (const entry of this.book.list()) {
      const stored = await this.c.stored(entry.fileId)
      if (entry.state === 'held' && stored == null) await this.book.release(entry.fileId)
      // stopped between storing the file and marking it: it is this replica, complete
      else if (entry.state === 'fetching' && stored != null) await this.completed(entry)
      else if (entry.state === 'fetching') this.startFetch(entry.fileId, peerIdFromString(entry.from))
    }
    await this.server.start()
  }

  /** Stops answering and fetching; the entries stay, so a restart resumes the fetches */
  async stop (): Promise<void> {
    this.stopping = true
    await this.server.stop()
    for (const controller of this.fetches.values()) controller.abort()
    this.fetches.clear()
  }

  /** The answer to a replicate request; synchronous from the policy checks to the reservation */
  decide (request: ReplicateRequestMessage & { fileIdText: string }, peer: PeerId): ReplicateAnswer {
    const { settings, contacts } = this.c
    if (settings.quota === 0) return 'forbidden'
    if (settings.acceptsFrom === 'contacts' && !contacts.isContact(peer)) return 'forbidden'
    if (request.encrypted && !settings.acceptsEncrypted) return 'forbidden'
    const reservation = this.book.reserve({
      fileId: request.fileIdText,
      size: request.size,
      from: peer.toString(),
      ...(request.owner != null && request.owner !== peer.toString() ? { owner: request.owner } : {}),
      encrypted: request.encrypted,
      policy: { min: request.min, max: request.max },
      accepted: this.now(),
      state: 'fetching'
    })
    if (reservation === 'quota-exceeded' || reservation === 'busy') return reservation
    if (reservation === 'reserved') this.c.usageChanged?.()
    return 'accept'
  }

  /** Fetches an accepted replica unless already held or under way */
  private startFetch (fileId: string, peer: PeerId): void {
    const entry = this.book.get(fileId)
    if (entry == null || entry.state !== 'fetching' || this.fetches.has(fileId) || this.stopping) return
    const controller = new AbortController()
    this.fetches.set(fileId, controller)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.c.settings.fetchTimeout)])
    void this.fetch(entry, peer, signal).finally(() => {
      if (this.fetches.get(fileId) === controller) this.fetches.delete(fileId)
    })
  }

  private async fetch (entry: HeldReplica, peer: PeerId, signal: AbortSignal): Promise<void> {
    const { fileId } = entry
    try {
      const own = await this.c.stored(fileId)
      if ((own != null && own.replica == null) || this.c.userDownloads(fileId)) {
        // the user's own copy already serves it, or will: nothing to fetch, nothing to count,
        // and the user's download is not joined (a failed replica would take it down with it)
        await this.book.release(fileId)
        this.c.usageChanged?.()
        return
      }
      // the quota was reserved for the size the request stated: a manifest of another size fails before anything is fetched
      const record = await this.c.hold(fileId, peer, entry.size, signal)
      // a safety net: a replica fetch joined (one restored from a build that saved no size) may not have been told it
      if (record.size !== entry.size) throw new Error(`the file is ${record.size} bytes, the request said ${entry.size}`)
      // `acceptsEncrypted: false` decided on what the request said: the manifest has the last word
      if ((record.ciphertext === true) !== entry.encrypted) throw new Error(`the file is ${record.ciphertext === true ? '' : 'not '}encrypted, the request said otherwise`)
      await this.completed(entry)
    } catch (err: any) {
      // stopping keeps the entry: the fetch starts again with the node
      if (this.stopping) return
      // the user's own download of the file took the fetch over, or ran first: theirs to keep (`takenOver`)
      if (this.c.userDownloads(fileId)) {
        await this.letGo(fileId)
        return
      }
      this.c.log('replica %s from %p failed: %s', fileId, peer, err?.message ?? err)
      // a failed download stays to be resumed, as a user's would: a replica given up on must not
      await this.c.discard(fileId).catch(() => {})
      await this.forget(fileId)
    }
  }

  /**
   * A user's download took over the replica fetch of `fileId` (the download goes on as
   * theirs, its file no replica): the fetch stops waiting for it, and then frees its room.
   * Or a user's download of a replica held already started: the file is theirs from now
   * on (no replica in `ls --replicas`, its room freed, `rm` theirs to decide).
   */
  takenOver (fileId: string): void {
    this.fetches.get(fileId)?.abort(new Error('taken over by the user\'s download'))
    if (this.book.get(fileId)?.state === 'held') {
      void this.userTakesHeld(fileId).catch((err: Error) => { this.c.log('replica %s: not made the user\'s: %s', fileId, err.message) })
    }
  }

  private async userTakesHeld (fileId: string): Promise<void> {
    await this.c.markReplica(fileId, undefined)
    await this.letGo(fileId)
  }

  /** Frees the room of a replica the user downloads as their own (nothing of it is deleted) */
  private async letGo (fileId: string): Promise<void> {
    this.c.log('replica %s: the user downloads the file, not held as a replica', fileId)
    if (await this.book.release(fileId)) this.c.usageChanged?.()
  }

  private async completed (entry: HeldReplica): Promise<void> {
    await this.c.markReplica(entry.fileId, { from: entry.from, accepted: entry.accepted })
    await this.book.markHeld(entry.fileId)
    this.c.log('holding replica %s for %s', entry.fileId, entry.from)
  }

  /** Removes whatever a replica left (a record, a blob) and frees its reservation */
  private async forget (fileId: string): Promise<void> {
    try {
      if (await this.c.stored(fileId) != null) await this.c.remove(fileId)
    } finally {
      if (await this.book.release(fileId)) this.c.usageChanged?.()
    }
  }

  list (): HeldReplica[] {
    return this.book.list()
  }

  /** whether `fileId` is a replica this node holds or fetches */
  holds (fileId: string): boolean {
    return this.book.get(fileId) != null
  }

  async drop (fileId: string): Promise<void> {
    if (this.book.get(fileId) == null) return
    const fetch = this.fetches.get(fileId)
    this.fetches.delete(fileId)
    fetch?.abort()
    await this.forget(fileId)
  }

  /** replica fetches running */
  fetching (): number {
    return this.book.fetching()
  }

  usage (): { usedBytes: number, quotaBytes: number } {
    return { usedBytes: this.book.usedBytes(), quotaBytes: this.c.settings.quota }
  }

  private now (): number {
    return (this.c.now ?? Date.now)()
  }
}
