/**
 * Announcements between real nodes on 127.0.0.1 with default settings, and attackers
 * that are real nodes publishing crafted bytes on the topic (reliability cases G1-G5):
 * forged authors and malformed envelopes are rejected and get their sender
 * graylisted, replays and floods are ignored, oversized messages are refused before
 * parsing, and nothing of it reaches a catalog.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeOffer } from '@peershare/protocol'
import { MAX_QUEUED_CATALOG_WRITES } from '../src/catalog/announcements.js'
import { ANNOUNCE_TOPIC, SCORE_THRESHOLDS } from '../src/catalog/gossip-config.js'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { type TestDir, dialAddress, startTestNode, tempDir, until } from './fixtures.js'
import { type Author, fileOffer, forgedOffer, newAuthor, randomFileId, sealRaw, signedOffer } from './offers.js'

const pubsubOf = (node: PeershareNode) => node.libp2p.services.pubsub
/** gossipsub's score of `peer` as `node` sees it (the implementation has it; the interface type does not) */
const scoreOf = (node: PeershareNode, peer: PeershareNode): number =>
  (pubsubOf(node) as unknown as { getScore(peer: string): number }).getScore(peer.peerId.toString())
const verdictsOf = (node: PeershareNode, reason: RegExp) => node.announcements.verdicts.filter(v => reason.test(v.reason))

describe('announcements', function () {
  this.timeout(60_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  const start = async (name: string, init: NodeInit = {}): Promise<PeershareNode> => {
    const node = await startTestNode(join(dir.path, name), init)
    nodes.push(node)
    return node
  }
  /** `a` dials `b`; both see each other on the topic */
  const join2 = async (a: PeershareNode, b: PeershareNode): Promise<void> => {
    await a.connect(multiaddr(dialAddress(b)))
    await until(() => pubsubOf(a).getSubscribers(ANNOUNCE_TOPIC).some(p => p.equals(b.peerId)) &&
      pubsubOf(b).getSubscribers(ANNOUNCE_TOPIC).some(p => p.equals(a.peerId)))
  }
  /** A sharer `b` and a peer `v`, both on the topic */
  const pair = async (): Promise<{ v: PeershareNode, b: PeershareNode }> => {
    const v = await start('v')
    const b = await start('b')
    await join2(b, v)
    return { v, b }
  }
  /** 5,000 random bytes under `name` in the test's folder */
  const aFile = async (name: string): Promise<string> => {
    const path = join(dir.path, name)
    await writeFile(path, randomBytes(5000))
    return path
  }
  /** Publishes crafted bytes from `node`, as a peer on the topic would */
  const publish = async (node: PeershareNode, data: Uint8Array): Promise<void> => {
    await pubsubOf(node).publish(ANNOUNCE_TOPIC, data)
  }

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => n.stop().catch(() => {})))
    await dir.cleanup()
  })

  it('a shared file is announced, stored by peers, and its removal follows', async () => {
    const { v, b } = await pair()
    const path = await aFile('holiday.jpg')
    const record = await b.share(path, { tags: ['beach'] })
    await until(() => v.catalog.size.entries === 1)
    const [entry] = await v.catalog.offersOf(record.fileId)
    assert.equal(entry.signed.offer.name, 'holiday.jpg')
    assert.equal(entry.signed.offer.author, b.peerId.toString())
    assert.deepEqual(entry.signed.offer.tags, ['beach'])
    assert.equal(entry.own, false)
    // sharing it again unchanged publishes nothing new; with new metadata, an update
    const seq = entry.signed.offer.seq
    await b.share(path, { tags: ['beach'] })
    assert.equal((await b.catalog.ownOffer(record.fileId))?.signed.offer.seq, seq)
    await b.share(path, { tags: ['beach', 'summer'] })
    await until(() => v.catalog.highWater(b.peerId.toString()) > seq)
    assert.deepEqual((await v.catalog.offersOf(record.fileId))[0].signed.offer.tags, ['beach', 'summer'])
    await b.remove(record.fileId)
    await until(() => v.catalog.size.entries === 0 && v.catalog.size.tombstones === 1)
  })

  it('a public file made contacts-only: peers that hold its public offer get its tombstone by gossip', async () => {
    const { v, b } = await pair()
    const record = await b.share(await aFile('narrowed.bin'))
    await until(() => v.catalog.size.entries === 1, 10_000, 'the public offer on the peer')
    await b.setVisibility(record.fileId, 'contacts')
    await until(() => v.catalog.size.entries === 0 && v.catalog.size.tombstones === 1, 20_000, 'the public offer replaced by its tombstone on the peer')
  })

  it('a file made contacts-only while its public offer is being gossiped: the tombstone still goes out after it', async () => {
    const { v, b } = await pair()
    // b's gossip of the public offer is held until the visibility changed
    const pubsub = pubsubOf(b)
    const publish = pubsub.publish.bind(pubsub)
    let release = (): void => {}
    const held = new Promise<void>(resolve => { release = resolve })
    let publishing = (): void => {}
    const started = new Promise<void>(resolve => { publishing = resolve })
    pubsub.publish = async (...args: Parameters<typeof publish>) => { publishing(); await held; return publish(...args) }
    const record = await b.share(await aFile('moved.bin'))
    await started
    await b.setVisibility(record.fileId, 'contacts')
    release()
    await until(() => v.catalog.size.entries === 0 && v.catalog.size.tombstones === 1, 20_000, 'the public offer replaced by its tombstone on the peer')
  })

  it('an offer shared while no peer listens waits, also across a restart, and goes out when one subscribes', async () => {
    let a = await start('a')
    const record = await a.share(await writeRandom('alone.bin'), {})
    assert.equal(a.announcements.pending, 1)
    await a.stop()
    nodes.splice(nodes.indexOf(a), 1)
    a = await start('a')
    assert.equal(a.announcements.pending, 1)
    const b = await start('b')
    await join2(b, a)
    await until(() => b.catalog.size.entries === 1)
    assert.equal((await b.catalog.offersOf(record.fileId))[0].signed.offer.name, 'alone.bin')
    await until(() => a.announcements.pending === 0)
    // the own sequence went on after the restart
    const first = (await a.catalog.ownOffer(record.fileId))?.signed.offer.seq ?? 0n
    const next = await a.share(await writeRandom('later.bin'), {})
    assert.ok(((await a.catalog.ownOffer(next.fileId))?.signed.offer.seq ?? 0n) > first)
  })

  it('12 nodes on loopback with default settings: every offer reaches the hub, no peer is penalised for sharing 127.0.0.1', async function () {
    this.timeout(120_000)
    const hub = await start('hub')
    const spokes: PeershareNode[] = []
    for (let i = 0; i < 11; i++) spokes.push(await start(`s${i}`))
    for (const spoke of spokes) await join2(spoke, hub)
    for (const [i, spoke] of spokes.entries()) await spoke.share(await writeRandom(`spoke${i}.bin`), {})
    await until(() => hub.catalog.size.entries === 11, 60_000).catch(() => {
      // what each spoke still holds back, and what the hub decided: to tell a lost announcement from a slow machine
      const spokesState = spokes.map(spoke => ({ pending: spoke.announcements.pending, held: spoke.catalog.size.entries, subscribers: pubsubOf(spoke).getSubscribers(ANNOUNCE_TOPIC).length }))
      throw new Error(`hub holds ${hub.catalog.size.entries} of 11 offers; hub verdicts ${JSON.stringify(hub.announcements.counts)}; spokes ${JSON.stringify(spokesState)}`)
    })
    // more than IPColocationFactorThreshold (10) peers on one IP: without the loopback exemption each would score -5 or less
    await until(() => spokes.every(spoke => scoreOf(hub, spoke) >= 0), 60_000)
    await until(() => spokes.every(spoke => spoke.catalog.size.entries === 11), 60_000)
  })

  it('G1: an offer signed by M claiming author B is rejected, M is graylisted, no catalog changes; M relaying B\'s genuine offer changes nothing', async () => {
    const v = await start('v')
    const b = await start('b')
    const m = await start('m')
    await join2(b, v)
    await join2(m, v)
    const genuine = await b.share(await writeRandom('mine.bin'), {})
    await until(() => v.catalog.size.entries === 1)
    // M relaying B's genuine envelope (one message with B's: gossip ids are content hashes) and another author's: no harm, no penalty
    const envelope = (await b.catalog.ownVersion(genuine.fileId))?.envelope
    assert.ok(envelope != null)
    await publish(m, envelope).catch(() => {})
    await publish(m, (await signedOffer(await newAuthor(), 1n)).envelope)
    await until(() => v.catalog.size.entries === 2)
    assert.ok(scoreOf(v, m) >= 0)
    assert.equal((await v.catalog.offersOf(genuine.fileId)).length, 1)

    const mKey = await generateKeyPair('Ed25519')
    await publish(m, await forgedOffer(mKey, b.peerId.toString(), 10n ** 18n, genuine.fileId))
    await until(() => scoreOf(v, m) < 0)
    for (let i = 0; i < 3; i++) await publish(m, await forgedOffer(mKey, b.peerId.toString()))
    await until(() => scoreOf(v, m) < SCORE_THRESHOLDS.graylistThreshold)
    assert.ok(verdictsOf(v, /claims author/).length >= 1)
    assert.deepEqual(v.catalog.size, { entries: 2, tombstones: 0, authors: 2 })
    const [held] = await v.catalog.offersOf(genuine.fileId)
    assert.equal(held.signed.offer.name, 'mine.bin')
    assert.equal(held.signed.offer.author, b.peerId.toString())
    // nothing of the forgery reached B either (V never relays a rejected message)
    assert.ok(b.catalog.size.entries <= 2)
    assert.equal(b.catalog.heldBy(b.peerId.toString()), 1)
  })

  it('G2: bad signature, wrong domain, truncated, garbage, RSA and secp256k1 keys, an undecodable payload: each rejected, none throws; 100 graylist the sender', async () => {
    const v = await start('v')
    const m = await start('m')
    const author = await newAuthor()
    const good = (await signedOffer(author, 1n)).envelope
    const badSignature = new Uint8Array(good)
    badSignature[badSignature.length - 1] ^= 0xff
    const rsa = await generateKeyPair('RSA', 2048)
    const secp = await generateKeyPair('secp256k1')
    const cases: Record<string, Uint8Array> = {
      badSignature,
      wrongDomain: await sealRaw(author.key, encodeOffer(fileOffer(author.id, 1n, randomFileId())), 'libp2p-peer-record'),
      wrongType: await sealRaw(author.key, encodeOffer(fileOffer(author.id, 1n, randomFileId())), undefined, new TextEncoder().encode('/other/1')),
      truncated: good.subarray(0, good.length - 20),
      garbage: randomBytes(300),
      empty: new Uint8Array(0),
      rsa: await sealRaw(rsa, encodeOffer(fileOffer(peerIdFromPrivateKey(rsa).toString(), 1n, randomFileId()))),
      secp256k1: await sealRaw(secp, encodeOffer(fileOffer(peerIdFromPrivateKey(secp).toString(), 1n, randomFileId()))),
      undecodablePayload: await sealRaw(author.key, randomBytes(200)),
      tombstoneWithFields: await sealRaw(author.key, encodeOffer({ ...fileOffer(author.id, 1n, randomFileId()), removed: true }))
    }
    // the validator gossipsub calls, directly: a verdict for each, never an exception
    for (const [name, data] of Object.entries(cases)) {
      const result = await v.announcements.validate(m.peerId, { type: 'unsigned', topic: ANNOUNCE_TOPIC, data })
      assert.equal(result, TopicValidatorResult.Reject, name)
    }
    assert.equal(verdictsOf(v, /validator failed/).length, 0)
    // and over gossip: 100 of them graylist the sender
    await join2(m, v)
    const all = Object.values(cases)
    for (let i = 0; i < 100; i++) {
      // each message unique (gossip ids are content hashes)
      const data = i < all.length ? all[i] : randomBytes(100 + i)
      await publish(m, data).catch(() => {})
    }
    await until(() => scoreOf(v, m) < SCORE_THRESHOLDS.graylistThreshold)
    assert.equal(v.catalog.size.entries, 0)
  })

  it('G3: a replayed old offer after the seen-cache expired, and again after the victim restarts, is ignored; the removed file stays removed', async () => {
    const seen = { announce: { seenTtl: 500 } }
    let v = await start('v', seen)
    const b = await start('b', seen)
    const m = await start('m', seen)
    await join2(b, v)
    await join2(m, v)
    const record = await b.share(await writeRandom('gone.bin'), {})
    await until(() => v.catalog.size.entries === 1)
    const old = (await b.catalog.ownVersion(record.fileId))?.envelope
    assert.ok(old != null)
    await b.remove(record.fileId)
    await until(() => v.catalog.size.entries === 0 && v.catalog.size.tombstones === 1)
    const replay = async (node: PeershareNode): Promise<void> => {
      // until gossipsub has forgotten it on both ends, the replay is a duplicate: retry until the validator sees it
      const stale = (): number => verdictsOf(node, /is stale/).length
      const before = stale()
      const end = Date.now() + 20_000
      while (stale() === before) {
        if (Date.now() > end) throw new Error('replay never reached the validator')
        await publish(m, old).catch(() => {})
        await until(() => stale() > before, 300).catch(() => {})
      }
    }
    await replay(v)
    assert.equal(v.catalog.size.entries, 0)
    assert.ok(scoreOf(v, m) >= 0, 'ignored, not penalised')
    // restart the victim: the tombstone and its seq are on disk
    await v.stop()
    nodes.splice(nodes.indexOf(v), 1)
    v = await start('v', seen)
    assert.equal(v.catalog.size.tombstones, 1)
    await join2(m, v)
    await replay(v)
    assert.equal(v.catalog.size.entries, 0)
    assert.deepEqual(await v.catalog.offersOf(record.fileId), [])
  })

  it('G4: a flood from one author is cut by the rate limit; many authors keep the caps and own offers survive', async () => {
    const v = await start('v', { catalog: { maxEntries: 40 } })
    const m = await start('m')
    await join2(m, v)
    const own = []
    for (let i = 0; i < 3; i++) own.push(await v.share(await writeRandom(`own${i}.bin`), {}))
    const flooder = await newAuthor()
    for (let i = 1; i <= 60; i++) await publish(m, (await signedOffer(flooder, BigInt(i))).envelope)
    const { counts } = v.announcements
    await until(() => counts.rateLimited + counts.accepted >= 60, 20_000)
    // burst 20, then one a second: far fewer than 60 stored
    await until(() => v.catalog.heldBy(flooder.id) === counts.accepted)
    assert.ok(counts.accepted < 40 && counts.rateLimited > 20, JSON.stringify(counts))
    await until(() => scoreOf(v, m) < 0)

    const authors: Author[] = []
    for (let i = 0; i < 80; i++) authors.push(await newAuthor())
    const before = counts.accepted
    for (const author of authors) await publish(m, (await signedOffer(author, 1n)).envelope)
    await until(() => counts.accepted >= before + 80)
    await until(() => v.catalog.size.entries <= 40 && v.catalog.size.entries >= 39)
    for (const record of own) assert.equal((await v.catalog.ownOffer(record.fileId))?.own, true)
  })

  it('G4: offers from many authors at once queue at most MAX_QUEUED_CATALOG_WRITES catalog writes; the rest are ignored, and later ones are accepted', async () => {
    const v = await start('v')
    const m = await start('m')
    const flood = MAX_QUEUED_CATALOG_WRITES + 200
    const envelopes: Uint8Array[] = []
    for (let i = 0; i < flood; i++) envelopes.push((await signedOffer(await newAuthor(), 1n)).envelope)
    const { counts } = v.announcements
    // all at once, as gossipsub hands messages over: signature checks outrun the disk
    const results = await Promise.all(envelopes.map(async data => v.announcements.validate(m.peerId, { type: 'unsigned', topic: ANNOUNCE_TOPIC, data })))
    const ignored = results.filter(r => r === TopicValidatorResult.Ignore).length
    assert.equal(ignored + counts.accepted, flood, JSON.stringify(counts))
    assert.ok(ignored > 0 && counts.accepted >= MAX_QUEUED_CATALOG_WRITES, JSON.stringify(counts))
    assert.ok(verdictsOf(v, /writes behind/).length > 0)
    await until(() => v.catalog.size.entries === counts.accepted, 30_000)
    const later = await signedOffer(await newAuthor(), 1n)
    assert.equal(await v.announcements.validate(m.peerId, { type: 'unsigned', topic: ANNOUNCE_TOPIC, data: later.envelope }), TopicValidatorResult.Accept)
  })

  it('G5: a message over the offer limit is rejected before parsing; one over the frame limit never reaches the validator', async () => {
    const v = await start('v')
    const m = await start('m')
    const b = await start('b')
    await join2(m, v)
    await join2(b, v)
    await publish(m, randomBytes(100 * 1024))
    await until(() => v.announcements.counts.rejected === 1)
    assert.equal(verdictsOf(v, /bytes, at most/).length, 1)
    await until(() => scoreOf(v, m) < 0)
    const validated = v.announcements.counts.accepted + v.announcements.counts.rejected
    const sent = await pubsubOf(m).publish(ANNOUNCE_TOPIC, randomBytes(2 * 1024 * 1024))
    assert.ok(sent.recipients.some(p => p.equals(v.peerId)))
    // v still takes honest announcements; the 2 MiB message was never validated
    await b.share(await writeRandom('after.bin'), {})
    await until(() => v.catalog.size.entries === 1)
    assert.equal(v.announcements.counts.accepted + v.announcements.counts.rejected, validated + 1)
  })

  it('a download without an output name takes the name of the signed offer, not the source\'s; -o and tickets still win', async () => {
    const v = await start('v')
    const b = await start('b')
    const c = await start('c')
    await join2(b, v)
    const bytes = randomBytes(20_000)
    const offered = join(dir.path, 'b-files', 'holiday.jpg')
    await writeFileIn(offered, bytes)
    const record = await b.share(offered, {})
    await until(() => v.catalog.size.entries === 1)
    // c has the same content under another name, and is the only source asked
    const other = join(dir.path, 'c-files', 'setup.exe')
    await writeFileIn(other, bytes)
    await c.share(other, {})
    const out = join(dir.path, 'downloads')
    const got = await v.get(record.fileId, { from: multiaddr(dialAddress(c)), cwd: out })
    assert.equal(got.location.kind === 'path' ? got.location.path : '', join(out, 'holiday.jpg'))
    // each get downloads again: v forgets the file between them (a file it keeps is copied, no source asked)
    await v.remove(record.fileId)
    const named = await v.get(record.fileId, { from: multiaddr(dialAddress(c)), cwd: out, output: 'chosen.bin', force: true })
    assert.equal(named.location.kind === 'path' ? named.location.path : '', join(out, 'chosen.bin'))
    await v.remove(record.fileId)
    const ticket = c.ticketFor((await c.list())[0])
    const byTicket = await v.get(ticket, { cwd: out })
    assert.equal(byTicket.location.kind === 'path' ? byTicket.location.path : '', join(out, 'setup.exe'))
    // a download is not an offer: v provides the file, b is its author
    assert.equal(v.catalog.heldBy(v.peerId.toString()), 0)
  })

  it('a collection downloaded without an output takes the name of its signed offer', async () => {
    const v = await start('v')
    const b = await start('b')
    const c = await start('c')
    await join2(b, v)
    const bytes = randomBytes(4000)
    await writeFileIn(join(dir.path, 'b-files', 'Holiday 2024', 'beach.jpg'), bytes)
    await writeFileIn(join(dir.path, 'c-files', 'tmp123', 'beach.jpg'), bytes)
    const shared = await b.shareCollection([join(dir.path, 'b-files', 'Holiday 2024')])
    const copy = await c.shareCollection([join(dir.path, 'c-files', 'tmp123')])
    assert.equal(copy.record.collectionId, shared.record.collectionId)
    // the collection and its file
    await until(() => v.catalog.size.entries === 2)
    // c's offers of the same content (named tmp123) arrive later: the first-received name stays
    await join2(c, v)
    await until(() => v.catalog.size.entries === 4)
    const out = join(dir.path, 'downloads')
    const got = await v.getCollection(shared.record.collectionId, { from: multiaddr(dialAddress(c)), cwd: out })
    assert.equal(got.path, join(out, 'Holiday 2024'))
    // b offers the collection and its file, not the listing; v offers nothing it downloaded
    assert.equal(b.catalog.heldBy(b.peerId.toString()), 2)
    assert.equal(v.catalog.heldBy(v.peerId.toString()), 0)
  })

  const writeRandom = async (name: string): Promise<string> => {
    const path = join(dir.path, name)
    await writeFile(path, randomBytes(3000))
    return path
  }
  const writeFileIn = async (path: string, bytes: Uint8Array): Promise<void> => {
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, bytes)
  }
})
