/**
 * The key service (contract in index.ts): grants made (sent-grants.ts) and delivered
 * (delivery.ts), grants received (receive.ts, inbox.ts), and the key protocol's
 * server (keys-server.ts), wired here.
 */
import type { Libp2p, Logger, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  GRANT_KEY_NONE,
  GRANT_KEY_WRAPPED,
  type GrantInboxCopy,
  KEYS_PROTOCOL,
  MAX_KEYS_MESSAGE_BYTES,
  type Manifest,
  decodeKeysResponse,
  encodeKeysRequest,
  formatFileId,
  parseFileId
} from '@peershare/protocol'
import type { Datastore } from 'interface-datastore'
import { type FileKeys, type HeldFileKey, wrapFileKey } from '../encryption/index.js'
import { BadRequestError, FileNotFoundError, GrantLimitError, GrantNotFoundError, NoFileKeyError } from '../errors.js'
import { InOrder } from '../in-order.js'
import type { Quarantine } from '../records/index.js'
import { requestOnce } from '../rpc/request-response.js'
import type { FileRecord } from '../store/file-record.js'
import { GrantDelivery } from './delivery.js'
import type { GrantInfo, InboxEntry, KeyService, KeysSettings, KeysStatus } from './index.js'
import { Inbox } from './inbox.js'
import { KeysServer } from './keys-server.js'
import { type Received, receiveGrant } from './receive.js'
import { type SentGrant, SentGrants } from './sent-grants.js'
import { signGrant } from './signed-grant.js'

export interface KeyGrantsComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'addEventListener' | 'removeEventListener' | 'getConnections'>
  privateKey: PrivateKey
  datastore: Datastore
  quarantine: Quarantine
  fileKeys: Pick<FileKeys, 'get' | 'put' | 'opening' | 'delete'>
  /** the stored files (`node.store`): a grant needs the manifest; the inbox shows what is downloaded */
  files: {
    get(fileId: string): Promise<{ record: FileRecord, manifest: Manifest } | undefined>
    has(fileId: string): Promise<boolean>
  }
  /** true while a download of the file runs (or may: saved downloads not restored yet): its key is needed at the end, even if its grant left the inbox */
  downloading?(fileId: string): boolean
  /** true for a sender whose keys stay whatever the inbox does (a contact): a flood of grants from fresh peer ids must not take them */
  keepsKeysOf?(sender: string): boolean
  settings: KeysSettings
  /** ms to dial a recipient or a holder */
  dialTimeout: number
  log: Logger
  /** @default Date.now */
  now?(): number
}

export class KeyGrants implements KeyService {
  private readonly sent: SentGrants
  private readonly received: Inbox
  private readonly delivery: GrantDelivery
  private readonly server: KeysServer
  private readonly self: string
  private readonly now: () => number
  /** grants' checks and records one at a time (in-order.ts) */
  private readonly granting = new InOrder()

  constructor (private readonly c: KeyGrantsComponents) {
    this.now = c.now ?? Date.now
    this.self = c.libp2p.peerId.toString()
    this.sent = new SentGrants(c.datastore, c.quarantine)
    this.received = new Inbox(c.datastore, c.quarantine, { maxEntries: c.settings.maxInboxEntries, maxPerSender: c.settings.maxInboxPerSender }, async grant => this.forgetKey(grant.fileId))
    this.delivery = new GrantDelivery({ libp2p: c.libp2p, sent: this.sent, settings: c.settings, dialTimeout: c.dialTimeout, log: c.log, now: this.now })
    this.server = new KeysServer({ libp2p: c.libp2p, sent: this.sent, receive: async envelope => this.receive(envelope), settings: c.settings, log: c.log })
  }

  /**
   * A grant left the inbox (its bound): the key it brought goes too when nothing else
   * holds on to it: no other grant of the file in the inbox, the file not stored, no
   * download of it running, not a contact's key. Grants pushed by anyone for files never fetched then cost no
   * more than the inbox bound (LIMITS.md, Known gaps 19).
   */
  private async forgetKey (fileId: string): Promise<void> {
    const needed = (): boolean => this.received.of(fileId).length > 0 || this.c.downloading?.(fileId) === true
    if (needed() || await this.c.files.has(fileId)) return
    const held = await this.c.fileKeys.get(fileId)
    if (held == null || held.from === 'self' || this.c.keepsKeysOf?.(held.from) === true) return
    // asked again with no await before the delete: a grant of the file or a download may have come meanwhile
    if (needed()) return
    await this.c.fileKeys.delete(fileId)
    this.c.log('forgot the key of %s: its grant left the inbox and the file is not here', fileId)
  }

  /** Reads the stores, serves the key protocol, starts delivering pending grants */
  async start (): Promise<void> {
    await this.sent.load()
    await this.received.load()
    await this.server.start()
    await this.delivery.start()
  }

  async stop (): Promise<void> {
    await this.delivery.stop()
    await this.server.stop()
  }

  /**
   * Grants `ref` to each recipient and pushes the grants: waits for the pushes unless
   * `background` (a share for recipients returns at once; an unreachable one would hold
   * it for the dial timeout), and either way a grant not delivered stays pending
   */
  async grant (ref: string, recipients: PeerId[], options: { background?: boolean } = {}): Promise<GrantInfo[]> {
    const fileId = canonical(ref)
    const stored = await this.c.files.get(fileId)
    if (stored == null) throw new FileNotFoundError(`Not a local file: ${fileId}`)
    const peers = [...new Map(recipients.map(p => [p.toString(), p])).values()]
    if (peers.some(p => p.toString() === this.self)) throw new BadRequestError('A file is granted to other peers, not to this node')
    // one grant's check and records at a time: grants made at once each see the others (the
    // bound, a recipient granted meanwhile, the sequence numbers)
    await this.granting.run(async () => {
      const fresh = peers.filter(p => { const g = this.sent.get(fileId, p.toString()); return g == null || g.state === 'revoked' })
      if (this.sent.pendingCount() + fresh.length > this.c.settings.maxPendingGrants) {
        throw new GrantLimitError(`${this.sent.pendingCount()} grants wait for delivery already, at most ${this.c.settings.maxPendingGrants}`)
      }
      const key = stored.manifest.encryption == null ? undefined : await this.fileKey(fileId)
      const other = key == null ? undefined : fresh.find(p => p.type !== 'Ed25519')
      if (other != null) throw new BadRequestError(`A file key can only be granted to an Ed25519 peer id, not ${other.type} (${other})`)
      for (const peer of fresh) await this.create(fileId, stored, peer, key)
    })
    // each pending grant is pushed now (a recipient not reachable stays pending)
    const pushed = Promise.all(peers.map(async p => this.sent.get(fileId, p.toString())?.state === 'pending' ? this.delivery.deliver(p.toString()) : undefined))
    if (options.background !== true) await pushed
    return peers.map(p => grantInfo(this.sent.get(fileId, p.toString()) as SentGrant))
  }

  private async fileKey (fileId: string): Promise<HeldFileKey> {
    const held = await this.c.fileKeys.get(fileId)
    if (held == null) throw new NoFileKeyError(`This node holds no key for ${fileId}: only a file it encrypted or was granted can be granted on`)
    return held
  }

  /** Signs and stores a new grant of `fileId` to `peer` (pending) */
  private async create (fileId: string, stored: { record: FileRecord, manifest: Manifest }, peer: PeerId, key: HeldFileKey | undefined): Promise<void> {
    const { manifest, record } = stored
    let wrappedKey: Uint8Array = new Uint8Array(0)
    let inbox: GrantInboxCopy = { size: manifest.size, name: record.metadata.name }
    if (key != null && manifest.encryption != null) {
      wrappedKey = await wrapFileKey(key.key, parseFileId(fileId).bytes, peer)
      inbox = { size: manifest.size, encryption: manifest.encryption }
    }
    const now = this.now()
    // above every earlier grant's, and above the clock: a restart that lost records still goes up
    const seq = this.sent.maxSeq() + 1n > BigInt(now) ? this.sent.maxSeq() + 1n : BigInt(now)
    const keyType = key == null ? GRANT_KEY_NONE : GRANT_KEY_WRAPPED
    const signed = await signGrant({ fileId, sender: this.self, recipient: peer.toString(), keyType, wrappedKey, seq, time: now, inbox }, this.c.privateKey)
    await this.sent.put({ fileId, peer: peer.toString(), keyType, seq, envelope: signed.envelope, state: 'pending', created: now, attempts: 0 })
  }

  async revoke (ref: string, peer: PeerId): Promise<GrantInfo> {
    const fileId = canonical(ref)
    const grant = this.sent.get(fileId, peer.toString())
    if (grant == null || grant.state === 'revoked') throw new GrantNotFoundError(`No grant of ${fileId} to ${peer}`)
    const revoked: SentGrant = { ...grant, state: 'revoked', revokedAt: this.now(), nextAttempt: undefined }
    await this.sent.put(revoked)
    return grantInfo(revoked)
  }

  mayAccess (fileId: string, peer: PeerId): boolean {
    return this.sent.mayAccess(fileId, peer.toString())
  }

  async fetchKey (ref: string, peers: PeerId[], signal?: AbortSignal): Promise<HeldFileKey> {
    const fileId = canonical(ref)
    const held = await this.checkedKey(fileId)
    if (held != null) return held
    const controller = new AbortController()
    const asked = signal == null ? controller.signal : AbortSignal.any([signal, controller.signal])
    try {
      return await Promise.any(peers.filter(p => p.toString() !== this.self).map(async peer => this.fetchFrom(fileId, peer, asked)))
    } catch (err: any) {
      if (signal?.aborted === true) throw signal.reason
      const why = err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : err.message
      throw new NoFileKeyError(`No grant of ${fileId} for this node from ${peers.length} peer(s)${why === '' ? '' : `: ${why.slice(0, 500)}`}`)
    } finally {
      // the losers stop asking
      controller.abort()
    }
  }

  /** The key held for `fileId`, checked against the file's manifest when it is stored (FileKeys.opening) */
  private async checkedKey (fileId: string): Promise<HeldFileKey | undefined> {
    const encryption = (await this.c.files.get(fileId))?.manifest.encryption
    return encryption == null ? this.c.fileKeys.get(fileId) : this.c.fileKeys.opening(fileId, encryption)
  }

  /** Asks one peer for this node's grants of `fileId`; resolves once one gave the key */
  private async fetchFrom (fileId: string, peer: PeerId, signal: AbortSignal): Promise<HeldFileKey> {
    const frame = await requestOnce(this.c.libp2p, peer, encodeKeysRequest({ fetch: parseFileId(fileId) }), {
      protocol: KEYS_PROTOCOL,
      maxResponseBytes: MAX_KEYS_MESSAGE_BYTES,
      timeout: this.c.dialTimeout + this.c.settings.requestTimeout,
      signal
    })
    const response = decodeKeysResponse(frame)
    if (response.refused != null) throw new GrantNotFoundError(`${peer} refused: ${response.refused}`)
    for (const envelope of response.grants) {
      const received = await this.receive(envelope, fileId)
      if (received.result === 'refused') this.c.log('refused a grant %p answered with: %s', peer, received.reason)
    }
    const held = await this.c.fileKeys.get(fileId)
    if (held == null) throw new GrantNotFoundError(`${peer} holds no grant of the file for this node`)
    return held
  }

  /** Checks and keeps one signed grant (pushed, or a fetch answer) */
  private async receive (envelope: Uint8Array, fileId?: string): Promise<Received> {
    const manifestOf = async (id: string): Promise<Manifest | undefined> => (await this.c.files.get(id))?.manifest
    return receiveGrant({ self: this.self, privateKey: this.c.privateKey, fileKeys: this.c.fileKeys, inbox: this.received, manifestOf, now: this.now }, envelope, fileId)
  }

  async inbox (): Promise<InboxEntry[]> {
    return Promise.all(this.received.list().map(async r => ({
      fileId: r.grant.fileId,
      from: r.grant.sender,
      kind: r.grant.keyType === GRANT_KEY_WRAPPED ? 'file-key' as const : 'permission' as const,
      name: r.name,
      mimeType: r.mimeType,
      plaintextSize: r.plaintextSize,
      size: r.grant.inbox.size,
      granted: r.grant.time,
      received: r.received,
      downloaded: await this.c.files.has(r.grant.fileId)
    })))
  }

  grants (): GrantInfo[] {
    return this.sent.list().sort((a, b) => a.created - b.created).map(grantInfo)
  }

  /**
   * The key of a file being downloaded, where none is held: asked of the download's
   * sources connected now (a provider record of a node gone would hold it for a dial
   * timeout) and of the peers that granted it to this node. Resolves once done;
   * NoFileKeyError when nobody gave it.
   */
  async obtainKey (fileId: string, sources: PeerId[], signal?: AbortSignal): Promise<void> {
    const senders = this.sendersOf(fileId).map(id => peerIdFromString(id))
    const connected = sources.filter(p => this.c.libp2p.getConnections(p).length > 0)
    await this.fetchKey(fileId, [...new Map([...connected, ...senders].map(p => [p.toString(), p])).values()], signal)
  }

  sendersOf (fileId: string): string[] {
    return this.received.of(fileId).map(r => r.grant.sender)
  }

  status (): KeysStatus {
    const grants = this.sent.list().filter(g => g.state !== 'revoked').length
    return { grants, pendingDeliveries: this.sent.pendingCount(), inbox: this.received.size }
  }
}

/** The canonical text of a file id (InvalidFileIdError for anything else) */
function canonical (fileId: string): string {
  return formatFileId(parseFileId(fileId))
}

/** A peer id given as text, or BadRequestError */
export function parsePeer (text: string): PeerId {
  try {
    return peerIdFromString(text)
  } catch {
    throw new BadRequestError(`Not a peer id: ${text.slice(0, 80)}`)
  }
}

function grantInfo (g: SentGrant): GrantInfo {
  return {
    fileId: g.fileId,
    peer: g.peer,
    kind: g.keyType === GRANT_KEY_WRAPPED ? 'file-key' : 'permission',
    state: g.state,
    created: g.created,
    ...(g.deliveredAt == null ? {} : { deliveredAt: g.deliveredAt }),
    ...(g.revokedAt == null ? {} : { revokedAt: g.revokedAt }),
    ...(g.state !== 'pending' || g.nextAttempt == null ? {} : { nextAttempt: g.nextAttempt }),
    attempts: g.attempts,
    ...(g.lastError == null ? {} : { lastError: g.lastError })
  }
}
