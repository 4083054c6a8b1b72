/**
 * The keeper side as the node uses it: per-file policies (`share --replicas`,
 * `replicate`), stored on the file's record, and the Replicator wired to the node's
 * store, provider lookup, exchange probe and peer store. The holder side
 * (Membership, ReplicaRequests, HeldReplicas: replication/holder/) is passed in.
 */
import type { Logger, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { parseContentRef } from '@peershare/protocol'
import { policyProblem } from '../../config-checks.js'
import { BadRequestError, FileNotFoundError } from '../../errors.js'
import type { FetchSessionComponents } from '../../exchange/fetch-session.js'
import type { FileRecord } from '../../store/file-record.js'
import type { FileStore } from '../../store/file-store.js'
import { subnetGroup } from '../decide.js'
import type { HeldReplicas, Membership, ReplicaRequests, ReplicationPolicy, ReplicationSettings } from '../index.js'
import { liveHolders, probeServes } from './live-count.js'
import { type KeptFile, type FileReplication, Replicator } from './replicator.js'

export interface HolderSide {
  membership: Membership
  requests: ReplicaRequests
  held?: HeldReplicas
}

export interface KeeperComponents {
  self: PeerId
  settings: ReplicationSettings
  store: Pick<FileStore, 'getRecord' | 'list' | 'setReplication'>
  findProviders(fileId: string, signal: AbortSignal): AsyncIterable<PeerInfo>
  /** whether any DHT has a peer: a lookup with none waits its whole time for nothing */
  canLookup(): boolean
  exchange: FetchSessionComponents
  /** a provider lookup's time limit (ms) */
  lookupTimeout: number
  peerStore: Pick<PeerStore, 'get'>
  isContact(peer: string): boolean
  holder: HolderSide
  log: Logger
}

export class Keeper {
  readonly replicator: Replicator
  /** subnet groups of the peers offering storage, refreshed from the peer store at each check (onePerSubnet) */
  private readonly groups = new Map<string, string | undefined>()

  constructor (private readonly components: KeeperComponents) {
    const { self, settings, holder, log } = components
    const me = self.toString()
    this.replicator = new Replicator({
      self: me,
      settings,
      ...holder,
      ownFiles: async () => this.ownFiles(),
      liveHolders: async (fileId, signal, known) => {
        if (settings.onePerSubnet) await this.refreshGroups(holder.membership.offers().map(o => o.peerId))
        return liveHolders({
          findProviders: (id, s) => this.providerIds(id, s),
          probe: async (peer, id, s) => probeServes(components.exchange, peer, id, s),
          self: me,
          lookupTimeout: components.lookupTimeout,
          probeTimeout: settings.probeTimeout,
          log
        }, fileId, signal, known.map(p => peerIdFromString(p)))
      },
      peerIdOf: peerIdFromString,
      groupOf: peer => this.groups.get(peer),
      isContact: peer => components.isContact(peer),
      log
    })
  }

  private async * providerIds (fileId: string, signal: AbortSignal): AsyncGenerator<PeerId> {
    if (!this.components.canLookup()) return
    for await (const info of this.components.findProviders(fileId, signal)) yield info.id
  }

  /** Peers whose subnet group is known: those offering storage at the last check */
  get groupsKnown (): number {
    return this.groups.size
  }

  /** The groups of the peers offering storage now; a peer whose offer expired is forgotten */
  private async refreshGroups (peers: string[]): Promise<void> {
    const offering = new Set(peers)
    for (const peer of this.groups.keys()) if (!offering.has(peer)) this.groups.delete(peer)
    for (const peer of peers) {
      try {
        const { addresses } = await this.components.peerStore.get(peerIdFromString(peer))
        const hosts = addresses.flatMap(a => a.multiaddr.getComponents().filter(c => c.name === 'ip4' || c.name === 'ip6').map(c => c.value ?? ''))
        const groups = hosts.map(subnetGroup)
        this.groups.set(peer, groups.find(g => g != null))
      } catch {
        this.groups.delete(peer)
      }
    }
  }

  /** This node's own files with a policy (replicas it holds for others are the holder side's) */
  private async ownFiles (): Promise<KeptFile[]> {
    const self = this.components.self.toString()
    return (await this.components.store.list())
      .filter(r => r.replication != null && r.replication.min > 0 && r.replica == null)
      .map(r => keptFile(r, self))
  }

  /**
   * Refuses to make a replicated plaintext file contacts-only or private: its holders
   * serve a replica to anyone, so it stays public while it has them (`share --replicas`
   * and `replicate` refuse the other way round)
   */
  async checkVisibility (fileId: string, visibility: NonNullable<FileRecord['visibility']>): Promise<void> {
    const record = await this.components.store.getRecord(fileId)
    if (record?.replication == null || replicationProblem({ ...record, visibility }, record.replication) == null) return
    const { min, max } = record.replication
    throw new BadRequestError(`${fileId} is replicated (${min}:${max}): its holders serve it to anyone, so it stays public. \`peershare replicate ${fileId} 0\` makes it local only (no new replicas; the copies holders have stay public until they drop them), then its visibility may change here; to keep it from others, share it encrypted (--to)`)
  }

  /**
   * Sets how many peers should hold a file this node shares, and checks it at once so
   * first placement starts now (`wait`: resolves with that check's status). Refused: a bad policy, a file not stored here, a
   * replica held for someone else, a collection, and a plaintext file that is not public
   * (holders serve what they hold to anyone who asks; an encrypted file they serve blind).
   */
  async setPolicy (fileId: string, policy: ReplicationPolicy, options: { wait?: boolean } = {}): Promise<{ record: FileRecord, status?: FileReplication }> {
    const problem = policyProblem(policy)
    if (problem != null) throw new BadRequestError(`Bad replication policy: ${problem}`)
    if (parseContentRef(fileId).kind === 'collection') throw new BadRequestError('Replication applies to files, not collections')
    const existing = await this.components.store.getRecord(fileId)
    if (existing == null) throw new FileNotFoundError(`Not a file this node shares: ${fileId}`)
    if (existing.replica != null) throw new BadRequestError(`${fileId} is a replica held for ${existing.replica.from}, not a file this node shares`)
    const problemFor = replicationProblem(existing, policy)
    if (problemFor != null) throw new BadRequestError(problemFor)
    const record = await this.components.store.setReplication(fileId, policy)
    if (record == null) throw new FileNotFoundError(`Not a file this node shares: ${fileId}`)
    if (policy.min === 0) {
      this.replicator.forget(fileId)
      return { record }
    }
    // the check starts now either way; a share does not wait for its provider lookup
    const check = this.replicator.keep(fileId)
    const status = options.wait === true ? await check : undefined
    return { record, ...(status != null ? { status } : {}) }
  }

  /** A file's replication: its last check (one now if none yet); undefined when not kept */
  async status (fileId: string): Promise<FileReplication | undefined> {
    return this.replicator.status(fileId)
  }
}

/**
 * Why a file may not be replicated with `policy`, if it may not: holders serve a replica to
 * anyone who asks, so a plaintext file kept from some peers (contacts-only, private) is
 * never handed to them. An encrypted one is: they hold and serve ciphertext only.
 */
export function replicationProblem (record: Pick<FileRecord, 'fileId' | 'visibility' | 'ciphertext'>, policy: ReplicationPolicy): string | undefined {
  if (policy.min === 0 || record.ciphertext === true || (record.visibility ?? 'public') === 'public') return undefined
  return `${record.fileId} is ${record.visibility === 'contacts' ? 'for contacts only' : 'private'}: holders serve a replica to anyone, so only public or encrypted files are replicated (share it encrypted with --to to replicate it)`
}

function keptFile (record: FileRecord, self: string): KeptFile {
  const policy = record.replication ?? { min: 0, max: 0 }
  return { fileId: record.fileId, size: record.size, encrypted: record.ciphertext === true, policy, owner: self }
}

/** `min[:max]` as typed by a user; bare min keeps the default max when it is at least min */
export function parsePolicy (text: string, defaults: ReplicationPolicy): ReplicationPolicy {
  const match = /^(\d+)(?::(\d+))?$/.exec(text.trim())
  if (match == null) throw new BadRequestError(`Bad replication policy "${text}": use <min> or <min>:<max>, e.g. 3 or 3:5`)
  const min = Number(match[1])
  const max = match[2] != null ? Number(match[2]) : min === 0 ? 0 : Math.max(min, defaults.max)
  const policy = { min, max }
  const problem = policyProblem(policy)
  if (problem != null) throw new BadRequestError(`Bad replication policy "${text}": ${problem}`)
  return policy
}
