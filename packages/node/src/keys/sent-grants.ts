/**
 * The grants this node made: one per file and recipient, persisted under
 * `/peershare/key-grants/sent/<file id>/<peer id>` with its signed envelope and its
 * delivery state, and held in memory (they are what `mayAccess` answers from,
 * synchronously, at serve time). Records are decoded defensively: one that does not
 * decode, or whose envelope no longer opens as a grant of that file to that peer, is
 * set aside (quarantined) and the grant is gone (the sender grants again).
 */
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { MAX_SIGNED_GRANT_BYTES } from '@peershare/protocol'
import type { Quarantine } from '../records/index.js'
import { type Fields, finite, integer, jsonObject, oneOf, optional, string } from '../records/check.js'
import { RecordInvalidError } from '../errors.js'
import { InOrder } from '../in-order.js'
import { openGrant } from './signed-grant.js'
import type { GrantState } from './index.js'

const PREFIX = '/peershare/key-grants/sent'
const STATES: readonly GrantState[] = ['pending', 'delivered', 'revoked']

export interface SentGrant {
  fileId: string
  /** the recipient */
  peer: string
  keyType: number
  seq: bigint
  envelope: Uint8Array
  state: GrantState
  /** unix ms */
  created: number
  deliveredAt?: number
  revokedAt?: number
  /** delivery attempts made by the retry timer since the grant was made */
  attempts: number
  /** unix ms the retry timer tries again (pending only) */
  nextAttempt?: number
  lastError?: string
}

export class SentGrants {
  private readonly grants = new Map<string, SentGrant>()
  /** file id -> recipients with an unrevoked grant: `mayAccess` */
  private readonly allowed = new Map<string, Set<string>>()
  private readonly writes = new InOrder()

  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine) {}

  async load (): Promise<void> {
    this.grants.clear()
    this.allowed.clear()
    const bad: Array<[Key, string]> = []
    for await (const entry of this.datastore.query({ prefix: PREFIX })) {
      try {
        this.index(await checkSentGrant(jsonObject(entry.value), entry.key))
      } catch (err: any) {
        bad.push([entry.key, `sent grant ${entry.key.toString()}: ${err.message}`])
      }
    }
    for (const [key, reason] of bad) await this.quarantine.setAside([key], reason)
  }

  get (fileId: string, peer: string): SentGrant | undefined {
    return this.grants.get(`${fileId}/${peer}`)
  }

  list (): SentGrant[] {
    return [...this.grants.values()]
  }

  /** Pending grants to `peer`, oldest first */
  pendingFor (peer: string): SentGrant[] {
    return this.list().filter(g => g.peer === peer && g.state === 'pending').sort((a, b) => a.created - b.created)
  }

  pendingCount (): number {
    let n = 0
    for (const g of this.grants.values()) if (g.state === 'pending') n++
    return n
  }

  /** The highest sequence number of any grant held (a new one goes above it) */
  maxSeq (): bigint {
    let max = 0n
    for (const g of this.grants.values()) if (g.seq > max) max = g.seq
    return max
  }

  /** `peer` holds an unrevoked grant of `fileId` */
  mayAccess (fileId: string, peer: string): boolean {
    return this.allowed.get(fileId)?.has(peer) === true
  }

  /**
   * Indexes a grant at once, then stores (or replaces) its record, after the writes asked
   * for before it. At once: a delivery that records its outcome only while the grant is
   * pending must see a revoke made a moment before, not write over it. In order: LevelDB
   * lands writes under way together in either order (in-order.ts). A write that fails
   * takes the grant back out of the index, unless another replaced it meanwhile.
   */
  async put (grant: SentGrant): Promise<void> {
    const previous = this.get(grant.fileId, grant.peer)
    this.index(grant)
    const value = uint8ArrayFromString(JSON.stringify(toJson(grant)))
    try {
      await this.writes.run(async () => this.datastore.put(keyOf(grant.fileId, grant.peer), value))
    } catch (err) {
      if (this.get(grant.fileId, grant.peer) === grant) this.unindex(grant, previous)
      throw err
    }
  }

  /** Puts `previous` (or nothing) back in the index in place of `grant` */
  private unindex (grant: SentGrant, previous: SentGrant | undefined): void {
    if (previous != null) {
      this.index(previous)
      return
    }
    this.grants.delete(`${grant.fileId}/${grant.peer}`)
    const peers = this.allowed.get(grant.fileId)
    peers?.delete(grant.peer)
    if (peers?.size === 0) this.allowed.delete(grant.fileId)
  }

  private index (grant: SentGrant): void {
    this.grants.set(`${grant.fileId}/${grant.peer}`, grant)
    let peers = this.allowed.get(grant.fileId)
    if (grant.state === 'revoked') {
      peers?.delete(grant.peer)
      if (peers?.size === 0) this.allowed.delete(grant.fileId)
      return
    }
    if (peers == null) {
      peers = new Set()
      this.allowed.set(grant.fileId, peers)
    }
    peers.add(grant.peer)
  }
}

function keyOf (fileId: string, peer: string): Key {
  return new Key(`${PREFIX}/${fileId}/${peer}`)
}

function toJson (grant: SentGrant): Fields {
  return { ...grant, seq: grant.seq.toString(), envelope: uint8ArrayToString(grant.envelope, 'base64') }
}

/** A record read back: fields in range, and its envelope still a grant of that file to that peer */
async function checkSentGrant (fields: Fields, key: Key): Promise<SentGrant> {
  const envelope = uint8ArrayFromString(string(fields.envelope, 'envelope', Math.ceil(MAX_SIGNED_GRANT_BYTES * 4 / 3) + 4), 'base64')
  const opened = await openGrant(envelope)
  if (opened.result !== 'accept') throw new RecordInvalidError(`envelope: ${opened.reason}`)
  const { grant } = opened.signed
  const fileId = string(fields.fileId, 'fileId', 128)
  const peer = string(fields.peer, 'peer', 128)
  if (grant.fileId !== fileId || grant.recipient !== peer || key.toString() !== keyOf(fileId, peer).toString()) throw new RecordInvalidError('the envelope is not this record\'s grant')
  const seq = string(fields.seq, 'seq', 20)
  if (!/^\d{1,20}$/.test(seq) || BigInt(seq) !== grant.seq) throw new RecordInvalidError('seq is not the envelope\'s')
  if (fields.keyType !== grant.keyType) throw new RecordInvalidError('keyType is not the envelope\'s')
  return {
    fileId,
    peer,
    keyType: grant.keyType,
    seq: grant.seq,
    envelope,
    state: oneOf(fields.state, 'state', STATES),
    created: finite(fields.created, 'created'),
    deliveredAt: optional(fields.deliveredAt, v => finite(v, 'deliveredAt')),
    revokedAt: optional(fields.revokedAt, v => finite(v, 'revokedAt')),
    attempts: integer(fields.attempts, 'attempts', 0, 1_000_000),
    nextAttempt: optional(fields.nextAttempt, v => finite(v, 'nextAttempt')),
    lastError: optional(fields.lastError, v => string(v, 'lastError', 1024))
  }
}
