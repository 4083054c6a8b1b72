/**
 * The replicas this node holds for other peers and the quota they use: one entry per
 * file (`/replicas/<file-id>` in the datastore, so usage survives a restart), counted
 * from the moment a request is accepted, before any byte is fetched. `reserve` checks
 * and records in one synchronous step: requests racing each other cannot both take
 * the last room (JavaScript runs no other code between the check and the record).
 */
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { InOrder } from '../../in-order.js'
import type { Quarantine } from '../../records/index.js'
import type { HeldReplica } from '../index.js'

const PREFIX = '/replicas'

export type Reservation = 'reserved' | 'known' | 'quota-exceeded' | 'busy'

export class ReplicaBook {
  private readonly entries = new Map<string, HeldReplica>()
  /** saves not waited for (`reserve`) must not land after a later release or save (in-order.ts) */
  private readonly writes = new InOrder()

  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine, private readonly limits: { quota: number, maxConcurrent: number, maxReplicas: number }) {}

  /** Reads the entries kept (a record that does not parse is set aside) */
  async load (): Promise<void> {
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      try {
        const entry = JSON.parse(uint8ArrayToString(value)) as HeldReplica
        if (typeof entry.fileId !== 'string' || !Number.isSafeInteger(entry.size) || entry.size < 0) throw new Error('not a replica entry')
        this.entries.set(entry.fileId, entry)
      } catch (err: any) {
        await this.quarantine.setAside([key], `replica: ${err?.message ?? err}`)
      }
    }
  }

  /**
   * Synchronous check-and-reserve: 'known' for a file already held or being fetched
   * (nothing reserved; its policy refreshed when the asker is the peer it is held for or
   * the file's owner: another peer may not change how many copies exist), else room for `size` or the reason not
   */
  reserve (entry: HeldReplica): Reservation {
    const known = this.entries.get(entry.fileId)
    if (known != null) {
      if (entry.from !== known.from && entry.from !== known.owner) return 'known'
      known.policy = entry.policy
      void this.save(known)
      return 'known'
    }
    // a count as well as bytes: tiny files would otherwise fill the records, the DHT announcements and the repair loop
    if (this.usedBytes() + entry.size > this.limits.quota || this.entries.size >= this.limits.maxReplicas) return 'quota-exceeded'
    if (this.fetching() >= this.limits.maxConcurrent) return 'busy'
    this.entries.set(entry.fileId, { ...entry, state: 'fetching' })
    void this.save(this.entries.get(entry.fileId) as HeldReplica)
    return 'reserved'
  }

  async markHeld (fileId: string): Promise<void> {
    const entry = this.entries.get(fileId)
    if (entry == null) return
    entry.state = 'held'
    await this.save(entry)
  }

  /** Frees a file's reservation; true when there was one */
  async release (fileId: string): Promise<boolean> {
    if (!this.entries.delete(fileId)) return false
    await this.writes.run(async () => this.datastore.delete(key(fileId)))
    return true
  }

  get (fileId: string): HeldReplica | undefined {
    const entry = this.entries.get(fileId)
    return entry == null ? undefined : { ...entry, policy: { ...entry.policy } }
  }

  list (): HeldReplica[] {
    return [...this.entries.keys()].map(id => this.get(id) as HeldReplica)
  }

  usedBytes (): number {
    let used = 0
    for (const entry of this.entries.values()) used += entry.size
    return used
  }

  fetching (): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.state === 'fetching') count++
    return count
  }

  private async save (entry: HeldReplica): Promise<void> {
    // an entry released meanwhile is not written back
    if (this.entries.get(entry.fileId) !== entry) return
    const value = uint8ArrayFromString(JSON.stringify(entry))
    await this.writes.run(async () => this.datastore.put(key(entry.fileId), value))
  }
}

function key (fileId: string): Key {
  return new Key(`${PREFIX}/${fileId}`)
}

