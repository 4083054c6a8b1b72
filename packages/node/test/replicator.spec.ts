/**
 * The Replicator against small in-process implementations of the holder side's
 * interfaces (Membership, ReplicaRequests, HeldReplicas) and of the live count: a
 * world of peers in one map, a fake clock. The real holder side and real nodes are
 * exercised by replication-swarm.spec.ts.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { logger } from '@libp2p/logger'
import type { HeldReplica, ReplicateAnswer, ReplicateRequest, ReplicationPolicy, StorageOffer } from '../src/replication/index.js'
import { type KeptFile, Replicator } from '../src/replication/keeper/replicator.js'

const settings = { repairInterval: 3_600_000, jitter: 0.2, lossGrace: 15 * 60_000, surplusGrace: 60 * 60_000, onePerSubnet: false, requestTimeout: 5_000, fetchTimeout: 60 * 60_000 }
const SIZE = 1000

/** Peers in one process: who is online, what each holds, what each answers */
class World {
  time = 1_000_000
  readonly online = new Set<string>()
  readonly holds = new Map<string, Map<string, HeldReplica>>()
  readonly refuses = new Set<string>()
  /** peers that accept but do not serve yet (still fetching) */
  readonly slow = new Set<string>()
  /** peers whose provider lookups find nobody yet (a DHT view still filling) */
  readonly blind = new Set<string>()
  /** peers whose probes run out of time (a starved machine): no answer either way */
  readonly silent = new Set<string>()
  readonly replicators = new Map<string, Replicator>()
  asksInFlight = 0
  maxAsksInFlight = 0
  asked: string[] = []

  constructor (readonly peers: string[], readonly owner: string, readonly file: KeptFile) {
    for (const p of peers) {
      this.online.add(p)
      this.holds.set(p, new Map())
    }
  }

  holders (): string[] {
    return this.peers.filter(p => p !== this.owner && this.holds.get(p)?.has(this.file.fileId) === true)
  }

  replicator (self: string): Replicator {
    let r = this.replicators.get(self)
    if (r == null) {
      r = new Replicator({
        self,
        settings,
        membership: {
          offers: (): StorageOffer[] => this.peers.filter(p => p !== self && this.online.has(p)).map(peerId => ({ peerId, seq: 1n, quotaBytes: 10 * SIZE, freeBytes: 10 * SIZE, acceptsFrom: 'anyone', acceptsEncrypted: true, maxConcurrent: 2, receivedAt: this.time })),
          observed: () => ({ uptime: 0.5, successRatio: 0.5 }),
          noteOutcome: () => {}
        },
        requests: { ask: async (peer, request) => this.ask(self, peer.toString(), request) },
        held: { list: () => [...(this.holds.get(self)?.values() ?? [])], drop: async fileId => { this.holds.get(self)?.delete(fileId) } },
        ownFiles: async () => self === this.owner ? [this.file] : [],
        liveHolders: async (fileId, _signal, known) => {
          const unsure = known.filter(p => this.silent.has(p))
          const live = this.blind.has(self) ? [] : this.peers.filter(p => p !== self && this.online.has(p) && !this.slow.has(p) && !this.silent.has(p) && this.holds.get(p)?.has(fileId) === true)
          return { live, unsure }
        },
        peerIdOf: peerIdFromString,
        now: () => this.time,
        random: () => 0.5,
        log: logger('peershare:test:replicator')
      })
      this.replicators.set(self, r)
    }
    return r
  }

  private async ask (from: string, peer: string, { policy, owner }: ReplicateRequest): Promise<ReplicateAnswer> {
    this.asked.push(peer)
    this.asksInFlight++
    this.maxAsksInFlight = Math.max(this.maxAsksInFlight, this.asksInFlight)
    await new Promise(resolve => setImmediate(resolve))
    this.asksInFlight--
    if (!this.online.has(peer)) return 'busy'
    if (this.refuses.has(peer)) return 'quota-exceeded'
    this.holds.get(peer)?.set(this.file.fileId, { fileId: this.file.fileId, size: SIZE, from, ...(owner != null ? { owner } : {}), encrypted: false, policy, accepted: this.time, state: 'held' })
    return 'accept'
  }

  /** Every online node runs one check of the file */
  async checkAll (): Promise<void> {
    for (const p of this.peers) if (this.online.has(p)) await this.replicator(p).check(this.file.fileId)
  }
}

async function world (n: number, policy: ReplicationPolicy): Promise<World> {
  const peers = await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
  const file: KeptFile = { fileId: 'bafkfile', size: SIZE, encrypted: false, policy, owner: peers[0] }
  return new World(peers, peers[0], file)
}

describe('Replicator (keeper side, in-process holder side)', () => {
  it('first placement asks min candidates at once, in parallel, and reaches min', async () => {
    const w = await world(12, { min: 3, max: 5 })
    const status = await w.replicator(w.owner).keep(w.file.fileId)
    assert.equal(w.holders().length, 3)
    assert.equal(w.maxAsksInFlight, 3)
    assert.equal(status?.role, 'owner')
    const again = await w.replicator(w.owner).check(w.file.fileId)
    assert.equal(again?.state, 'ok')
    assert.equal(again?.live.length, 3)
  })

  it('a peer still fetching is not replaced after lossGrace, only once its fetch may have timed out', async () => {
    const w = await world(12, { min: 3, max: 5 })
    for (const p of w.peers) w.slow.add(p)
    const first = await w.replicator(w.owner).keep(w.file.fileId)
    assert.equal(first?.fetching.length, 3)
    w.time += settings.lossGrace + 1
    const later = await w.replicator(w.owner).check(w.file.fileId)
    assert.equal(w.asked.length, 3, 'nobody else asked while they fetch')
    assert.deepEqual([later?.live.length, later?.fetching.length, later?.why], [0, 3, 'recruiting'])
    w.time += settings.fetchTimeout + settings.lossGrace
    await w.replicator(w.owner).check(w.file.fileId)
    assert.equal(w.asked.length, 6, 'a fetch past fetchTimeout counts as lost: replaced')
  })

  it('a refusal moves on to the next candidate in rank order', async () => {
    const w = await world(12, { min: 3, max: 5 })
    w.refuses.add(w.peers[1]).add(w.peers[2]).add(w.peers[3])
    await w.replicator(w.owner).keep(w.file.fileId)
    assert.equal(w.holders().length, 3)
    assert.ok(w.holders().every(p => !w.refuses.has(p)))
  })

  it('a swarm smaller than min keeps what it has, says why, and recruits when peers join', async () => {
    const w = await world(8, { min: 3, max: 5 })
    for (const p of w.peers.slice(3)) w.online.delete(p)
    const short = await w.replicator(w.owner).keep(w.file.fileId)
    assert.equal(w.holders().length, 2)
    assert.equal(short?.state, 'under-replicated')
    assert.equal(short?.why, 'too-few-candidates')
    for (const p of w.peers.slice(3)) w.online.add(p)
    const recruiting = await w.replicator(w.owner).check(w.file.fileId)
    assert.equal(w.holders().length, 3)
    assert.equal(recruiting?.fetching.length, 1, 'an accepting peer is fetching until seen serving')
    assert.equal(recruiting?.why, 'recruiting')
    const after = await w.replicator(w.owner).check(w.file.fileId)
    assert.equal(after?.state, 'ok')
    assert.equal(after?.live.length, 3)
  })

  it('with the owner gone, one holder acts: a lost holder is replaced only after lossGrace, once', async () => {
    const w = await world(15, { min: 3, max: 5 })
    await w.replicator(w.owner).keep(w.file.fileId)
    await w.checkAll()
    const [gone] = w.holders()
    w.online.delete(w.owner)
    w.online.delete(gone)
    w.asked = []
    w.time += settings.lossGrace - 1
    await w.checkAll()
    assert.deepEqual(w.asked, [], 'a restart within lossGrace moves nothing')
    w.time += 1
    await w.checkAll()
    assert.equal(w.asked.length, 1, 'exactly one actor recruits exactly one replacement')
    assert.equal(w.holders().filter(p => w.online.has(p)).length, 3)
    for (const holder of w.holders().filter(p => w.online.has(p))) {
      const status = await w.replicator(holder).check(w.file.fileId)
      assert.equal(status?.role, 'holder')
      assert.deepEqual(status?.live.toSorted(), w.holders().filter(p => w.online.has(p)).sort(), holder)
    }
  })

  it('holders whose probes only time out are not replaced within 2 lossGraces; after that they are', async () => {
    const w = await world(12, { min: 3, max: 5 })
    await w.replicator(w.owner).keep(w.file.fileId)
    await w.checkAll()
    const holders = w.holders()
    for (const p of holders) w.silent.add(p)
    w.asked = []
    for (let i = 0; i < 4; i++) {
      w.time += settings.lossGrace / 2 - 1
      await w.replicator(w.owner).check(w.file.fileId)
    }
    assert.deepEqual(w.asked, [], 'time-outs for (almost) 2 lossGraces move nothing')
    for (let i = 0; i < 3; i++) {
      w.time += settings.lossGrace / 2
      await w.replicator(w.owner).check(w.file.fileId)
    }
    assert.equal(w.asked.length, 3, 'silent past 2 lossGraces: replaced')
    assert.ok(w.asked.every(p => !holders.includes(p)))
  })

  it('a holder whose lookups find nobody yet recruits nobody until it has watched for lossGrace', async () => {
    const w = await world(12, { min: 3, max: 5 })
    await w.replicator(w.owner).keep(w.file.fileId)
    const [holder] = w.holders()
    w.online.delete(w.owner)
    w.blind.add(holder)
    w.asked = []
    await w.replicator(holder).check(w.file.fileId)
    w.time += settings.lossGrace - 1
    await w.replicator(holder).check(w.file.fileId)
    assert.deepEqual(w.asked, [], 'a partial view younger than lossGrace moves nothing')
    w.blind.delete(holder)
    w.time += settings.repairInterval
    await w.replicator(holder).check(w.file.fileId)
    assert.deepEqual(w.asked, [], 'once it sees the other holders, nothing is missing')
    assert.equal(w.holders().length, 3)
  })

  it('above max, the lowest-ranked extra holders drop after surplusGrace; never below max', async () => {
    const w = await world(12, { min: 2, max: 3 })
    const extra = w.peers.slice(1, 6)
    for (const p of extra) w.holds.get(p)?.set(w.file.fileId, { fileId: w.file.fileId, size: SIZE, from: w.owner, encrypted: false, policy: w.file.policy, accepted: w.time, state: 'held' })
    await w.checkAll()
    assert.equal(w.holders().length, 5)
    w.time += settings.surplusGrace
    await w.checkAll()
    assert.equal(w.holders().length, 3)
    w.time += settings.surplusGrace
    await w.checkAll()
    assert.equal(w.holders().length, 3)
  })
})
