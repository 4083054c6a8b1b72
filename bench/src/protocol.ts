/** Messages between the bench (parent) and its worker processes, over Node IPC */

export type BenchMessage =
  /** worker is up; a listener also says where to dial it (and the sharer which file: a file id, or a Helia CID) */
  | { type: 'ready', addr?: string, fileId?: string, peerId?: string, shareSeconds?: number, torrent?: string, ports?: number[] }
  /** parent to a WebTorrent leecher: add `torrent` (a .torrent file, base64) with the seeders at `addrs` (ip:port) as its only peers */
  | { type: 'leech', torrent: string, addrs: string[] }
  /** parent to a peershare sharer: connect to these sharers and announce the file to them, as sources already in a swarm have */
  | { type: 'join', peers: string[] }
  /** sharer: joined; its announcement was stored by enough peers after `provideMs` (null: not within the bench's limit) */
  | { type: 'joined', provideMs: number | null }
  /**
   * parent to a peershare getter: download now, from `addr` (and from every one of `peers` at once when given).
   * `connectFirst`: connect to `peers` before the timed download and let the connections' start-up work end
   */
  | { type: 'get', addr: string, fileId: string, output: string, peers?: string[], hashOutput?: boolean, connectFirst?: boolean }
  /** parent to a Helia fetcher: cat `cid` from the providers into `output` */
  | { type: 'fetch', cid: string, providers: string[], output: string, timeoutMs: number }
  /** parent to a raw or node:net sender: dial (a multiaddr, or ip:port for node:net) and push the file now */
  | { type: 'send', addr: string }
  /** raw sender: the wall-clock time at which it began dialling */
  | { type: 'sent', startedAt: number }
  /** receiver (either kind): the file is verified and on disk */
  | { type: 'done', seconds?: number, firstChunkSeconds?: number | null, finishedAt?: number, bytes: number, sha256: string, peakRss: number, atPeak?: MemoryAtPeak, sourceStats?: SourceBytes[], wireBytes?: number }
  /** the swarm worker's measurements */
  | { type: 'swarm', result: SwarmResult }
  /** the discovery worker's measurements */
  | { type: 'discovery', result: DiscoveryResult }
  /** parent to a DHT worker: one command (worker-dht.ts); the worker answers with a 'dht-reply' */
  | { type: 'dht', command: DhtCommand }
  | { type: 'dht-reply', reply: DhtReply }
  /** parent asks (no cpuMs), worker answers: CPU time of its transfer phase, all threads, the main thread (the event loop) alone, and by thread kind (thread-cpu.ts) */
  | { type: 'usage', cpuMs?: number, mainCpuMs?: number, threadsMs?: Record<string, number> }
  /** parent asks (`reset`: start a new peak), a peershare worker answers: its RSS, peak RSS, exchange server stats */
  | { type: 'probe', reset?: boolean, rss?: number, peakRss?: number, exchange?: { sessions: number, unsentBytes: number, maxPeerUnsentBytes: number, maxSessionUnsentBytes: number } }
  | { type: 'stop' }
  | { type: 'error', message: string, name?: string }

/** A receiver's process.memoryUsage() when its RSS peaked (bytes): what the peak is made of */
export interface MemoryAtPeak {
  heapTotal: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/** Bytes one source served in a multi-source download */
export interface SourceBytes {
  peerId: string
  bytes: number
  chunks: number
}

export interface SwarmResult {
  nodes: number
  startSeconds: number
  rssBefore: number
  rssAfter: number
  /** seconds until every routing table held `routingTarget` peers (or the wait gave up) */
  routingSeconds: number
  routingTarget: number
  routingSettled: boolean
  /** routing table sizes when the wait ended: min, median, max */
  routingSizes: [number, number, number]
  /** nodes still below the target after a while, given a routing table refresh */
  routingRefreshed: number
  /** ms from share() called: its announcement stored (index.whenAnnounced()), and another node's first sight of the sharer */
  provideMs: number
  discoverMs: number | null
  /** ms to the first provider, one entry per lookup (null: none within the lookup timeout) */
  lookupMs: Array<number | null>
  lookupNodes: number
  /** CPU time / wall time of the swarm process while measuring (1 = one core busy) */
  cpuBusy: number
  /** seconds waited after the routing tables filled for the swarm to go quiet */
  quietSeconds: number
}

export interface DiscoveryResult {
  nodes: number
  /** seconds until every node saw MESH_PEERS subscribers of the announcement topic, and the least any saw */
  meshSeconds: number
  meshMin: number
  /** seconds waited for the swarm to go quiet before measuring */
  quietSeconds: number
  /** CPU of the swarm process (1 = one core) and its p99 event-loop delay while announcements and searches were measured */
  cpuBusy: number
  loopDelayP99Ms: number
  announcements: number
  /** ms from publish to each other node's catalog, one per (announcement, node); null: not within the wait */
  reachMs: Array<number | null>
  /** ms from a search's start to the first list with a remote answer (null: none came), and to `done` */
  firstAnswerMs: Array<number | null>
  searchDoneMs: number[]
  searchAsked: number
  searchAnswered: number
  /** a late joiner facing a catalog of `catchUpOffers` offers on the peer it bootstraps from (the two alone in the process) */
  catchUpOffers: number
  signSeconds: number
  catchUpSeconds: number
  caughtUp: boolean
}

/**
 * Wall-clock time in ms with sub-ms resolution. Both workers run on the same machine
 * and clock, so a sender's start and a receiver's finish can be subtracted.
 */
export function now (): number {
  return performance.timeOrigin + performance.now()
}

export const RAW_PROTOCOL = '/bench/raw/1.0.0'

/** Size of the pieces files are written and sent in */
export const PIECE = 1024 * 1024

/** A file shared by a DHT worker's node: what others look up and get */
export interface DhtFile {
  fileId: string
  peerId: string
}

/**
 * What the parent asks a DHT worker (nodes are numbered within the worker):
 * `routing`: every node's LAN routing table size; `share`: each node shares a new
 * small file, one after another, timing its announcement's provide and share() to it; `lookup`: each item's
 * node looks up its file, timed to the sharer's record; `get`: each item's node gets
 * its file, timed to the first verified chunk and to the end; `fresh`: a new node
 * starts, waits `waitMs`, then gets the file; `counters`: libp2p's dial and LAN DHT
 * counters summed over the worker's nodes (where a phase's time went)
 */
export type DhtCommand =
  /** `unidentified`, `whySmall` and (from the bootstrap node's process) `bootstrap` too when `detail` (a peer-store read per connection, dials from a node connected to nobody) */
  | { op: 'routing', detail?: boolean }
  | { op: 'share', nodes: number[] }
  | { op: 'lookup', items: Array<{ node: number, file: DhtFile }> }
  | { op: 'get', items: Array<{ node: number, file: DhtFile }> }
  | { op: 'fresh', file: DhtFile, waitMs: number }
  | { op: 'counters' }

export type DhtReply =
  /** each node's LAN routing-table size and open connections */
  | { op: 'routing', sizes: number[], connections: number[], unidentified?: number[], whySmall?: Array<string | undefined>, bootstrap?: string }
  /** per file: its announcement's provide (start to records stored), share() called to records stored, and its wait in the queue */
  | { op: 'share', files: DhtFile[], provideMs: Array<number | null>, shareMs: Array<number | null>, queuedMs: Array<number | null> }
  | { op: 'lookup', ms: Array<number | null> }
  | { op: 'get', gets: DhtGet[] }
  | { op: 'fresh', startMs: number, get: DhtGet, routingAtGet: number }
  | { op: 'counters', values: Record<string, number> }

/** One get by file id: ms to the first verified chunk and to the verified file (null: failed) */
export interface DhtGet {
  firstByteMs: number | null
  doneMs: number | null
  error?: string
  /** ms from the get to each step it reached (worker-dht.ts `watchPhases`) */
  phases?: DhtGetPhases
}

/** Where a warm get's time goes: the DHT naming the sharer, a connection to it, its manifest adopted */
export interface DhtGetPhases {
  /** the download asked the DHT for providers */
  lookupMs?: number
  /** the lookup yielded the sharer */
  providerMs?: number
  /** a connection to the sharer opened (0: one was open already) */
  connectedMs?: number
  /** the download took the sharer's verified manifest */
  manifestMs?: number
}
