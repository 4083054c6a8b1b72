/**
 * gossipsub as peershare runs it (research: next-capabilities §1.2, measured there):
 * one allowed topic, announcements, scored so that a peer relaying forged or
 * malformed offers goes negative fast and is graylisted, while quiet honest peers
 * stay at 0 or above.
 */
import { createHash } from 'node:crypto'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import { type PeerScoreThresholds, type TopicScoreParams, createTopicScoreParams } from '@libp2p/gossipsub/score'
import { STORAGE_TOPIC } from '@peershare/protocol'

/** The topic offers are announced on */
export const ANNOUNCE_TOPIC = 'peershare/announce/1'

/** Decay per 1 s tick that takes a counter to 1% in an hour (go-pubsub's ScoreParameterDecay(1h)) */
export const HOUR_DECAY = 0.01 ** (1 / 3600)

/** Largest gossipsub RPC frame read from a peer; a frame may batch messages, each offer is far smaller */
export const MAX_GOSSIP_FRAME_BYTES = 1024 * 1024
/** Bytes queued to one peer before gossipsub drops what it sends it */
export const MAX_GOSSIP_OUTBOUND_BYTES = 4 * 1024 * 1024

/**
 * Score of the announcement topic. P3 and P3b (mesh delivery rate) are off:
 * announcements are sparse and bursty, and the default P3 punishes honest mesh peers
 * on a quiet topic. P4 (invalid deliveries) is what graylists a forger: -20 n², so 2
 * rejected messages give -80.
 */
export const ANNOUNCE_TOPIC_SCORE: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  // P1: at most +1 after an hour in the mesh
  timeInMeshWeight: 1 / 3600,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 3_600,
  // P2: up to +10 for first deliveries, fading over an hour
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: HOUR_DECAY,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: HOUR_DECAY
})

/**
 * gossipsub 17 never validates thresholds (a unit test does): each must be below the
 * one before. No peer exchange (acceptPX above any reachable score); opportunistic
 * grafting at +2 (the default 20 is unreachable with the topic cap of 10).
 */
export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 2
}

/** Share of the non-mesh peers sent IHAVE gossip each heartbeat, when above Dlazy: none (only Dlazy) */
export const GOSSIP_FACTOR = 0

const NO_DATA = new Uint8Array(0)

/** Loopback addresses: peers there are processes of the one user of this host */
export const LOOPBACK_IPS = ['127.0.0.1', '::1']

export interface GossipSettings {
  /** how long a message id is remembered as seen (ms) */
  seenTtl: number
  /** spare loopback peers the IP colocation penalty */
  whitelistLoopback: boolean
}

/**
 * gossipsub's options. `appScore` is the application's opinion of a peer (the
 * announcement rate limiter lowers it for peers relaying an author's flood).
 *
 * IP colocation (P6) penalises more than 10 peers behind one IP: sybils on one
 * machine. On loopback those peers are one user's own processes (tests, a local
 * swarm), and with the default a 16-node loopback swarm scored every peer -125 and
 * graylisted them all (measured), so loopback is spared by default.
 */
export function gossipsubOptions (settings: GossipSettings, appScore: (peer: string) => number): Partial<GossipsubOpts> {
  return {
    fallbackToFloodsub: false,
    // IHAVE gossip goes to Dlazy (6) peers outside the mesh at each heartbeat, not to a
    // quarter of them (the default 0.25): a node with 80 peers sent each fresh message id
    // to ~20 peers a second for 3 heartbeats, one RPC and one socket write each. Offers
    // reach every subscriber through the mesh, and catalog pulls catch up whoever missed
    // one; in the 100-node bench the provide rounds (20 shares each) took 22% less CPU
    // (doc/BENCHMARKS.md, "Build of 2026-12-07, gossip").
    gossipFactor: GOSSIP_FACTOR,
    // storage offers (replication/holder/) are scored as announcements are: a forger goes negative fast
    allowedTopics: [ANNOUNCE_TOPIC, STORAGE_TOPIC],
    maxInboundDataLength: MAX_GOSSIP_FRAME_BYTES,
    maxOutboundBufferSize: MAX_GOSSIP_OUTBOUND_BYTES,
    // the id is the content: the same signed offer relayed by anyone is one message
    msgIdFn: msg => createHash('sha256').update(msg.data).digest(),
    // the same id, from the message as it arrived: gossipsub checks the signature of every
    // copy before it asks whether it saw the message, and a message comes from up to every
    // mesh peer. With this a copy is known by its bytes first: in a 100-node swarm those
    // checks were 7% of a node's CPU during provides, most of them repeats. A copy whose
    // signature fails is never remembered, so a forgery cannot shadow the real message.
    fastMsgIdFn: msg => createHash('sha256').update(msg.data ?? NO_DATA).digest('base64'),
    seenTTL: settings.seenTtl,
    // an offer shared while alone is stored (pulled by peers later) and announced once someone subscribes
    allowPublishToZeroTopicPeers: true,
    scoreParams: {
      topics: { [ANNOUNCE_TOPIC]: ANNOUNCE_TOPIC_SCORE, [STORAGE_TOPIC]: ANNOUNCE_TOPIC_SCORE },
      topicScoreCap: 10,
      decayInterval: 1_000,
      decayToZero: 0.01,
      // a graylisted peer that reconnects keeps its score for an hour
      retainScore: 3_600_000,
      appSpecificScore: appScore,
      appSpecificWeight: 1,
      IPColocationFactorWeight: -5,
      IPColocationFactorThreshold: 10,
      IPColocationFactorWhitelist: new Set(settings.whitelistLoopback ? LOOPBACK_IPS : [])
    },
    scoreThresholds: SCORE_THRESHOLDS
  }
}
