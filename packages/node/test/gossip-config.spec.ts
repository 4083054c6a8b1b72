/**
 * gossipsub 17 validates score parameters but never its thresholds: both are checked
 * here, with what the numbers must mean (a forger graylisted after a few rejections,
 * the rate penalty alone never graylisting, loopback spared by default); and how many
 * peers a node's gossipsub, built with these options, tells of a fresh message id.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeerScoreParams, createPeerScoreThresholds, validatePeerScoreParams, validatePeerScoreThresholds } from '@libp2p/gossipsub/score'
import { AppScores, AuthorRateLimit, MAX_RATE_PENALTY } from '../src/catalog/announce-limits.js'
import { ANNOUNCE_TOPIC, ANNOUNCE_TOPIC_SCORE, SCORE_THRESHOLDS, gossipsubOptions } from '../src/catalog/gossip-config.js'
import { DEFAULTS } from '../src/config.js'
import { STORAGE_TOPIC } from '@peershare/protocol'
import { startTestNode, tempDir } from './fixtures.js'

describe('gossip config', () => {
  const options = gossipsubOptions(DEFAULTS.announce, () => 0)

  it('has valid score parameters and thresholds, each threshold below the one before', () => {
    validatePeerScoreParams(createPeerScoreParams(options.scoreParams))
    validatePeerScoreThresholds(createPeerScoreThresholds(options.scoreThresholds))
    const t = SCORE_THRESHOLDS
    assert.ok(t.gossipThreshold < 0 && t.publishThreshold < t.gossipThreshold && t.graylistThreshold < t.publishThreshold)
    assert.ok(t.opportunisticGraftThreshold > 0 && t.opportunisticGraftThreshold < (options.scoreParams?.topicScoreCap ?? 0))
  })

  it('knows a relayed copy by its data alone, before any signature check, hashed as its message id is', () => {
    const fast = options.fastMsgIdFn as (msg: { data?: Uint8Array, from?: Uint8Array, seqno?: Uint8Array, signature?: Uint8Array, topic: string }) => string
    const data = new TextEncoder().encode('a signed offer')
    const copy = { topic: ANNOUNCE_TOPIC, data, from: Uint8Array.of(1), seqno: Uint8Array.of(1), signature: Uint8Array.of(1) }
    const relayed = { ...copy, from: Uint8Array.of(2), seqno: Uint8Array.of(2), signature: Uint8Array.of(2) }
    assert.equal(fast(copy), fast(relayed))
    assert.notEqual(fast(copy), fast({ ...copy, data: new TextEncoder().encode('another offer') }))
    // the hash msgIdFn makes the message's id from, so the two caches agree on what is one message
    const msgId = (options.msgIdFn as (msg: { data: Uint8Array }) => Uint8Array)({ data })
    assert.equal(fast(copy), Buffer.from(msgId).toString('base64'))
    assert.equal(typeof fast({ topic: ANNOUNCE_TOPIC }), 'string')
  })

  it('scores the announcement topic: no mesh delivery penalties, a few rejections graylist', () => {
    assert.equal(ANNOUNCE_TOPIC_SCORE.meshMessageDeliveriesWeight, 0)
    assert.equal(ANNOUNCE_TOPIC_SCORE.meshFailurePenaltyWeight, 0)
    // P4 is weight * n^2 * topicWeight: three invalid messages pass the graylist threshold
    assert.ok(ANNOUNCE_TOPIC_SCORE.invalidMessageDeliveriesWeight * 9 * ANNOUNCE_TOPIC_SCORE.topicWeight < SCORE_THRESHOLDS.graylistThreshold)
    // announcements and storage offers (replication), each scored the same
    assert.deepEqual(options.allowedTopics, [ANNOUNCE_TOPIC, STORAGE_TOPIC])
    assert.equal(options.scoreParams?.topics?.[STORAGE_TOPIC], ANNOUNCE_TOPIC_SCORE)
    assert.equal(options.fallbackToFloodsub, false)
    assert.equal(options.seenTTL, DEFAULTS.announce.seenTtl)
  })

  it('spares loopback peers the IP colocation penalty by default, and only loopback', () => {
    assert.deepEqual([...options.scoreParams?.IPColocationFactorWhitelist ?? []], ['127.0.0.1', '::1'])
    const strict = gossipsubOptions({ ...DEFAULTS.announce, whitelistLoopback: false }, () => 0)
    assert.equal(strict.scoreParams?.IPColocationFactorWhitelist?.size, 0)
  })

  it('the rate penalty pushes a relayer below the publish threshold but never to the graylist', () => {
    let now = 0
    const scores = new AppScores(() => now)
    for (let i = 0; i < 1000; i++) scores.penalize('p')
    assert.equal(scores.score('p'), -MAX_RATE_PENALTY)
    assert.ok(-MAX_RATE_PENALTY < SCORE_THRESHOLDS.publishThreshold && -MAX_RATE_PENALTY > SCORE_THRESHOLDS.graylistThreshold)
    now += 60_000
    assert.equal(scores.score('p'), -MAX_RATE_PENALTY / 2)
    assert.equal(scores.score('other'), 0)
  })

  it('takes an author\'s burst, then its sustained rate', () => {
    let now = 0
    const limit = new AuthorRateLimit({ burst: 3, perSecond: 1 }, () => now)
    assert.deepEqual([1, 2, 3, 4].map(() => limit.take('a')), [true, true, true, false])
    assert.equal(limit.take('b'), true)
    now += 1000
    assert.deepEqual([limit.take('a'), limit.take('a')], [true, false])
  })

  it('makes gossipsub gossip a fresh message id to Dlazy (6) peers outside the mesh, not to a quarter of them', async function () {
    this.timeout(60_000)
    const dir = await tempDir()
    const node = await startTestNode(join(dir.path, 'gossiper'))
    try {
      const pubsub = node.libp2p.services.pubsub as unknown as {
        doEmitGossip(topic: string, candidates: Set<string>, messageIds: Uint8Array[]): void
        gossip: Map<string, unknown[]>
      }
      // 40 subscribed peers outside the mesh: gossipsub's default factor (0.25) would pick 10
      const candidates = new Set<string>()
      for (let i = 0; i < 40; i++) candidates.add(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString())
      pubsub.gossip.clear()
      pubsub.doEmitGossip(ANNOUNCE_TOPIC, candidates, [randomBytes(32)])
      const told = [...pubsub.gossip.keys()]
      // nobody is connected: the next heartbeat's flush would find no stream to these peers
      pubsub.gossip.clear()
      assert.equal(told.length, 6)
      assert.ok(told.every(peer => candidates.has(peer)))
    } finally {
      await node.stop()
      await dir.cleanup()
    }
  })
})
