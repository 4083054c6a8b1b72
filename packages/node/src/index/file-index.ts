/**
 * The distributed file index on the Kademlia DHT. Every file this node can serve is
 * provided under two keys: its file id, and the raw-codec CID of its whole-file
 * SHA-256 (so a plain `sha256sum` finds it). kad-dht republishes our records before
 * they expire; removing a file withdraws them from our own answers. Provider records
 * are hints from anyone: a downloader checks what a provider actually serves.
 */
import type { Logger, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { type ContentRef, hexToBytes, parseFileId, sha256Cid } from '@peershare/protocol'
import type { CID } from 'multiformats/cid'

export interface FileIndexComponents {
  dht: Pick<KadDHT, 'provide' | 'findProviders' | 'cancelReprovide'>
  /** provider addresses go here, so a provider found can be dialled by its peer id */
  peerStore: Pick<PeerStore, 'merge'>
  peerId: PeerId
  log: Logger
  /** background announcements running at once; the rest wait their turn */
  concurrency: number
}

/** What the index needs of a file: its two names */
export interface IndexedFile {
  fileId: string
  /** whole-file SHA-256, hex */
  sha256: string
}

export class FileIndex {
  private readonly components: FileIndexComponents
  private readonly running = new AbortController()
  private readonly pending = new Set<Promise<void>>()
  /** announcements waiting: sharing a folder of thousands of files must not start thousands of DHT queries at once */
  private readonly queue: Array<{ what: string, provide: (signal: AbortSignal) => Promise<void> }> = []

  constructor (components: FileIndexComponents) {
    this.components = components
  }

  /** Publishes provider records for the file in the background */
  announce (file: IndexedFile): void {
    this.enqueue(file.fileId, async (signal) => this.provide(file, signal))
  }

  /** Publishes provider records for the file and waits until the DHT has them */
  async provide (file: IndexedFile, signal?: AbortSignal): Promise<void> {
    for (const key of keysOf(file)) await this.provideKey(key, signal)
  }

  /** Publishes a provider record for a collection id in the background */
  announceCollection (collectionId: CID): void {
    this.enqueue(collectionId.toString(), async (signal) => this.provideKey(collectionId, signal))
  }

  /** Runs announcements in the background, at most `announceConcurrency` at once */
  private enqueue (what: string, provide: (signal: AbortSignal) => Promise<void>): void {
    if (this.running.signal.aborted) return
    this.queue.push({ what, provide })
    this.pump()
  }

  private pump (): void {
    while (this.pending.size < this.components.concurrency && this.queue.length > 0) {
      const next = this.queue.shift() as (typeof this.queue)[number]
      const task: Promise<void> = next.provide(this.running.signal)
        .catch(err => { this.components.log('announcing %s failed: %s', next.what, err.message) })
        .finally(() => {
          this.pending.delete(task)
          this.pump()
        })
      this.pending.add(task)
    }
  }

  private async provideKey (key: CID, signal?: AbortSignal): Promise<void> {
    for await (const _ of this.components.dht.provide(key, { signal })) { /* drain the query */ }
  }

  /** Stops republishing a collection id */
  async withdrawCollection (collectionId: CID): Promise<void> {
    await this.components.dht.cancelReprovide(collectionId)
  }

  /** Stops republishing the file and drops our own record of providing it */
  async withdraw (file: IndexedFile): Promise<void> {
    for (const key of keysOf(file)) await this.components.dht.cancelReprovide(key)
  }

  /**
   * Peers that say they have the file, each once, as the DHT finds them (never
   * ourselves); their addresses are added to the peer store on the way
   */
  async * findProviders (ref: ContentRef, signal?: AbortSignal): AsyncGenerator<PeerInfo> {
    const key = ref.kind === 'file-id' ? ref.fileId : ref.kind === 'collection' ? ref.collectionId : sha256Cid(ref.sha256)
    const seen = new Set<string>()
    for await (const event of this.components.dht.findProviders(key, { signal })) {
      if (event.name !== 'PROVIDER') continue
      for (const peer of event.providers) {
        const id = peer.id.toString()
        if (seen.has(id) || peer.id.equals(this.components.peerId)) continue
        seen.add(id)
        if (peer.multiaddrs.length > 0) await this.components.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs }).catch(() => {})
        yield peer
      }
    }
  }

  /** Cancels background announcements */
  async stop (): Promise<void> {
    this.running.abort()
    this.queue.length = 0
    await Promise.allSettled([...this.pending])
  }
}

function keysOf (file: IndexedFile): CID[] {
  return [parseFileId(file.fileId), sha256Cid(hexToBytes(file.sha256))]
}
