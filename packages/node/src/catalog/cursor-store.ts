/**
 * Where each peer's catalog log was read up to: peer id -> { epoch, next, pulledAt },
 * persisted under `/peershare/catalog-cursors/<peer id>`, so a restart resumes every
 * pull where it stopped. Bounded: past `maxPeers` the peer pulled longest ago is
 * forgotten (its next pull starts at 0). Records are decoded defensively; a bad one is
 * set aside (quarantined) and that peer starts at 0.
 */
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { MAX_CATALOG_EPOCH_LENGTH } from '@peershare/protocol'
import type { Quarantine } from '../records/index.js'
import { type Fields, finite, jsonObject, string } from '../records/check.js'
import { RecordInvalidError } from '../errors.js'
import { InOrder } from '../in-order.js'

const PREFIX = '/peershare/catalog-cursors'

export interface CatalogCursor {
  /** the peer's log epoch `next` belongs to */
  epoch: string
  /** the position to ask from next time */
  next: bigint
  /** unix ms of the last page read */
  pulledAt: number
}

export class CursorStore {
  private readonly cursors = new Map<string, CatalogCursor>()
  /** saves and evictions land in the order asked: an evicted cursor's save under way must not outlive its delete (in-order.ts) */
  private readonly writes = new InOrder()

  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine, private readonly maxPeers: number) {}

  /** Reads every stored cursor; over the bound, the oldest are deleted */
  async load (): Promise<void> {
    const bad: Array<[Key, string]> = []
    for await (const entry of this.datastore.query({ prefix: PREFIX })) {
      try {
        this.cursors.set(entry.key.name(), checkCursor(jsonObject(entry.value)))
      } catch (err: any) {
        bad.push([entry.key, `catalog cursor ${entry.key.name()}: ${err.message}`])
      }
    }
    for (const [key, reason] of bad) await this.quarantine.setAside([key], reason)
    await this.evict()
  }

  get (peer: string): CatalogCursor | undefined {
    return this.cursors.get(peer)
  }

  async put (peer: string, cursor: CatalogCursor): Promise<void> {
    this.cursors.set(peer, cursor)
    await this.writes.run(async () => {
      // replaced by a newer save, or evicted, since: that one's turn (or none) decides
      if (this.cursors.get(peer) !== cursor) return
      await this.datastore.put(new Key(`${PREFIX}/${peer}`), uint8ArrayFromString(JSON.stringify({ ...cursor, next: cursor.next.toString() })))
      await this.evict()
    })
  }

  get size (): number {
    return this.cursors.size
  }

  /** The peer read most recently, and when */
  latest (): { peer: string, at: number } | undefined {
    let latest: { peer: string, at: number } | undefined
    for (const [peer, { pulledAt }] of this.cursors) if (latest == null || pulledAt > latest.at) latest = { peer, at: pulledAt }
    return latest
  }

  private async evict (): Promise<void> {
    if (this.cursors.size <= this.maxPeers) return
    const oldest = [...this.cursors].sort(([, a], [, b]) => a.pulledAt - b.pulledAt).slice(0, this.cursors.size - this.maxPeers)
    for (const [peer] of oldest) {
      this.cursors.delete(peer)
      await this.datastore.delete(new Key(`${PREFIX}/${peer}`))
    }
  }
}

function checkCursor (value: Fields): CatalogCursor {
  const epoch = string(value.epoch, 'epoch', MAX_CATALOG_EPOCH_LENGTH)
  const next = string(value.next, 'next', 20)
  if (!/^\d{1,20}$/.test(next) || BigInt(next) >= 2n ** 64n) throw new RecordInvalidError('next is not a log position')
  return { epoch, next: BigInt(next), pulledAt: finite(value.pulledAt, 'pulledAt') }
}
