/**
 * The grants this node received and accepted (its inbox): one per file and sender,
 * the newest by the sender's sequence number, persisted under
 * `/peershare/key-grants/inbox/<file id>/<sender>` with what opening it showed (the
 * sealed name, MIME type and plaintext size). Peers fill it, so it is bounded: at most
 * `maxPerSender` entries of one sender (more are refused) and `maxEntries` in all
 * (past it the entry received longest ago is dropped, and `forgotten` is told, so the
 * key of a file never fetched can go with it). Records are decoded defensively; a bad
 * one is set aside (quarantined).
 */
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { type FileKeyGrant, MAX_FILE_SIZE, MAX_MIME_LENGTH, MAX_NAME_BYTES, MAX_SIGNED_GRANT_BYTES } from '@peershare/protocol'
import type { Quarantine } from '../records/index.js'
import { type Fields, finite, integer, jsonObject, string } from '../records/check.js'
import { RecordInvalidError } from '../errors.js'
import { InOrder } from '../in-order.js'
import { openGrant } from './signed-grant.js'

const PREFIX = '/peershare/key-grants/inbox'

export interface ReceivedGrant {
  grant: FileKeyGrant
  envelope: Uint8Array
  /** unix ms, this node's clock */
  received: number
  /** what opening the grant showed: the sealed metadata (key type 1) or the grant's name (key type 0) */
  name: string
  mimeType: string
  plaintextSize: number
}

export interface InboxLimits {
  maxEntries: number
  maxPerSender: number
}

export class Inbox {
  private readonly entries = new Map<string, ReceivedGrant>()
  /** LevelDB lands writes under way together in either order (in-order.ts) */
  private readonly writes = new InOrder()

  /** @param forgotten called once an entry the bound dropped is gone from the inbox */
  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine, private readonly limits: InboxLimits, private readonly forgotten: (grant: FileKeyGrant) => Promise<void> = async () => {}) {}

  async load (): Promise<void> {
    this.entries.clear()
    const bad: Array<[Key, string]> = []
    for await (const entry of this.datastore.query({ prefix: PREFIX })) {
      try {
        const received = await checkReceived(jsonObject(entry.value))
        if (entry.key.toString() !== keyOf(received.grant).toString()) throw new RecordInvalidError('the envelope is not this record\'s grant')
        this.entries.set(mapKey(received.grant), received)
      } catch (err: any) {
        bad.push([entry.key, `inbox grant ${entry.key.toString()}: ${err.message}`])
      }
    }
    for (const [key, reason] of bad) await this.quarantine.setAside([key], reason)
  }

  list (): ReceivedGrant[] {
    return [...this.entries.values()].sort((a, b) => b.received - a.received)
  }

  /** Grants of `fileId`, newest first */
  of (fileId: string): ReceivedGrant[] {
    return this.list().filter(r => r.grant.fileId === fileId)
  }

  get size (): number {
    return this.entries.size
  }

  /**
   * Keeps `received` unless the inbox holds the same sender's grant of that file with a
   * sequence number as high (a replay: nothing changes); false when the sender is at its bound
   */
  async put (received: ReceivedGrant): Promise<boolean> {
    const key = mapKey(received.grant)
    const held = this.entries.get(key)
    if (held != null && held.grant.seq >= received.grant.seq) return true
    if (held == null && this.countOf(received.grant.sender) >= this.limits.maxPerSender) return false
    // held at once, before the write: a sender's grants arriving together on several streams
    // each see the others (its bound, its newest), and the writes land in the order asked
    this.entries.set(key, received)
    const value = uint8ArrayFromString(JSON.stringify(toJson(received)))
    try {
      await this.writes.run(async () => this.datastore.put(keyOf(received.grant), value))
    } catch (err) {
      if (this.entries.get(key) === received) {
        if (held == null) this.entries.delete(key)
        else this.entries.set(key, held)
      }
      throw err
    }
    await this.evict()
    return true
  }

  private countOf (sender: string): number {
    let n = 0
    for (const r of this.entries.values()) if (r.grant.sender === sender) n++
    return n
  }

  private async evict (): Promise<void> {
    if (this.entries.size <= this.limits.maxEntries) return
    const oldest = [...this.entries].sort(([, a], [, b]) => a.received - b.received).slice(0, this.entries.size - this.limits.maxEntries)
    for (const [key] of oldest) this.entries.delete(key)
    for (const [, r] of oldest) await this.writes.run(async () => this.datastore.delete(keyOf(r.grant)))
    for (const [, r] of oldest) await this.forgotten(r.grant)
  }
}

function mapKey (grant: FileKeyGrant): string {
  return `${grant.fileId}/${grant.sender}`
}

function keyOf (grant: FileKeyGrant): Key {
  return new Key(`${PREFIX}/${grant.fileId}/${grant.sender}`)
}

function toJson (r: ReceivedGrant): Fields {
  return { envelope: uint8ArrayToString(r.envelope, 'base64'), received: r.received, name: r.name, mimeType: r.mimeType, plaintextSize: r.plaintextSize }
}

async function checkReceived (fields: Fields): Promise<ReceivedGrant> {
  const envelope = uint8ArrayFromString(string(fields.envelope, 'envelope', Math.ceil(MAX_SIGNED_GRANT_BYTES * 4 / 3) + 4), 'base64')
  const opened = await openGrant(envelope)
  if (opened.result !== 'accept') throw new RecordInvalidError(`envelope: ${opened.reason}`)
  return {
    grant: opened.signed.grant,
    envelope,
    received: finite(fields.received, 'received'),
    name: string(fields.name, 'name', MAX_NAME_BYTES),
    mimeType: string(fields.mimeType, 'mimeType', MAX_MIME_LENGTH),
    plaintextSize: integer(fields.plaintextSize, 'plaintextSize', 0, MAX_FILE_SIZE)
  }
}
