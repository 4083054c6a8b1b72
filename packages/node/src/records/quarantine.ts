/**
 * Where records that cannot be decoded go: each is moved, bytes untouched, under
 * `/peershare/quarantine/<unix ms>/<its old key>` with the reason, so the node starts
 * without it, nothing is lost, and a person can look at it later.
 */
import type { Logger } from '@libp2p/interface'
import { Key, type Datastore } from 'interface-datastore'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'

export const QUARANTINE_PREFIX = '/peershare/quarantine'

/** What a quarantined record holds: where it was, why it was set aside, its bytes (base64) */
export interface QuarantinedRecord {
  key: string
  reason: string
  at: number
  value: string
}

export class Quarantine {
  /** records set aside since this node was built (reported at daemon start) */
  count = 0

  constructor (private readonly datastore: Datastore, private readonly log: Logger) {}

  /** Moves each key (those that exist) under the quarantine prefix with `reason`; never throws */
  async setAside (keys: Key[], reason: string): Promise<void> {
    const at = Date.now()
    for (const key of keys) {
      try {
        if (!(await this.datastore.has(key))) continue
        const value = await this.datastore.get(key)
        const record: QuarantinedRecord = { key: key.toString(), reason, at, value: uint8ArrayToString(value, 'base64') }
        await this.datastore.put(new Key(`${QUARANTINE_PREFIX}/${at}${key.toString()}`), uint8ArrayFromString(JSON.stringify(record)))
        await this.datastore.delete(key)
        this.count++
        this.log.error('record %s set aside under %s: %s', key.toString(), QUARANTINE_PREFIX, reason)
      } catch (err: any) {
        this.log.error('could not set aside %s (%s): %s', key.toString(), reason, err.message)
      }
    }
  }

  /** Every record set aside so far */
  async list (): Promise<QuarantinedRecord[]> {
    const out: QuarantinedRecord[] = []
    for await (const { value } of this.datastore.query({ prefix: QUARANTINE_PREFIX })) {
      try {
        out.push(JSON.parse(uint8ArrayToString(value)))
      } catch {}
    }
    return out
  }
}
