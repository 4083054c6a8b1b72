/**
 * Every node setting with its documented default, in one place. `resolveConfig`
 * fills what the caller left out; a test checks that an empty init resolves to
 * exactly DEFAULTS.
 */
import { DEFAULT_CHUNK_SIZE, MAX_CATALOG_PAGE_ENTRIES, MAX_OUTSTANDING_CHUNKS } from '@peershare/protocol'
import type { TransferSettings } from './download/transfer.js'
import { checkListen, validateConfig } from './config-checks.js'
import { ConfigError } from './errors.js'
import type { BandwidthLimits } from './limits/bandwidth.js'
import type { CatalogLimits } from './catalog/catalog-index.js'
import type { CatalogSyncSettings } from './catalog/catalog-sync.js'
import type { RemoteSearchSettings } from './search/remote-search.js'
import type { KeysSettings } from './keys/index.js'
import type { ReplicationSettings } from './replication/index.js'
import type { RelaySettings } from './reachability/relay-policy.js'
import { METRICS_DEFAULTS, type MetricsSettings } from './metrics/index.js'
import { tcpListenPorts, webSocketsListen, YAMUX_READ_BUFFER_BYTES, YAMUX_WINDOW_BYTES } from './transports/index.js'
import { DEFAULT_LISTEN, parseRate, parseSize } from '@peershare/client'
import { defaultRepoPath } from '@peershare/client/repo'

export interface ExchangeLimits {
  /** Exchange streams one connection may open to us at once */
  maxInboundStreamsPerConnection: number
  /** Exchange sessions served at once, over all peers */
  maxSessions: number
  /** Exchange sessions one peer may hold at once */
  maxSessionsPerPeer: number
  /** At a session cap, a session with nothing queued or being sent for this long may be evicted (ms) */
  idleEvictAfter: number
  /** Sessions a peer may open and abandon (never asking for a chunk) before its new ones are refused; fades with a 60 s half-life */
  maxAbandoned: number
  /** How long a peer over `maxAbandoned` is refused (ms) */
  abandonPenalty: number
  /** Sessions a peer may end with an invalid message (malformed, out of range, out of order) before it is refused and disconnected; fades with a 60 s half-life */
  maxInvalid: number
  /** How long a peer over `maxInvalid` is refused (ms) */
  invalidPenalty: number
  /** Wants a peer may have answered "not found" (no such file, or not one it may see) per `notFoundWindow`; past it its Wants are refused busy */
  notFoundPerPeer: number
  /** ms */
  notFoundWindow: number
  /** Bytes one session may have written and not yet sent (the peer has not taken them) */
  maxUnsentPerSession: number
  /** The same, summed over one peer's sessions */
  maxUnsentPerPeer: number
  /** The same, summed over all sessions */
  maxUnsentBytes: number
  /** Chunks one session may have queued with us at once */
  maxQueuedChunks: number
  /** A session with nothing queued and no message for this long is closed (ms) */
  sessionIdleTimeout: number
  /** Time for a peer to send its first message, or answer ours (ms) */
  requestTimeout: number
  /** Bytes buffered from one stream before we stop reading it (backpressure) */
  readHighWaterMark: number
  /** Compress chunks on the wire (zstd or gzip) when both sides accept it and it pays */
  compression: boolean
}

export interface NodeConfig {
  /** Repo directory: identity, datastore, blobs, control API token */
  repo: string
  /** Multiaddrs to listen on (with `wsPort`, its WebSockets addresses are added here) */
  listen: string[]
  /**
   * Port of a WebSockets listener on the hosts of the TCP listen addresses, for browser
   * peers (`--ws-port`); 0 picks a free one; null listens on none (WebRTC-direct serves
   * browsers by default, and a WebSockets port open to the LAN is one more exposure)
   */
  wsPort: number | null
  /** Chunk size for newly shared files (bytes, power of two) */
  chunkSize: number
  /** Files of one collection hashed (share) or downloaded (get) at once */
  collectionConcurrency: number
  /** Multi-source downloads */
  transfer: TransferSettings
  /** Bandwidth limits in bytes per second, 0 for none; changeable at run time */
  limits: BandwidthLimits
  /** Exchange protocol limits */
  exchange: ExchangeLimits
  /**
   * Yamux stream window (bytes) and the read buffer that must exceed it; a stream's
   * unsent bytes beyond `maxWriteBufferBytes` abort it (the exchange keeps below it).
   * Each connection pings its peer `keepAliveIntervalMs` after the last answer and is
   * aborted when a ping goes unanswered for `keepAliveTimeoutMs` (transports/keep-alive.ts)
   */
  muxer: { streamWindowBytes: number, maxReadBufferBytes: number, maxWriteBufferBytes: number, maxStreamsPerConnection: number, keepAliveIntervalMs: number, keepAliveTimeoutMs: number }
  /** Multiaddrs (with /p2p/<peer id>) of peers to join the swarm through */
  bootstrap: string[]
  /** Find peers on the local network by multicast DNS (the daemon turns it on) */
  mdns: boolean
  /** Map our port on the home router by UPnP (the daemon turns it on; `--no-upnp`) */
  upnp: boolean
  /**
   * Dials to loopback and private addresses wait for the encrypter's echo (one round
   * trip), so that TLS runs on the socket in C++; false proposes TLS lazily everywhere,
   * as to public addresses (transports/tls.ts): for a LAN or VPN with long round trips
   */
  tlsOnDialledSockets: boolean
  /** Circuit relays: serving as one for others (within caps), reserving on one when nobody can dial us (reachability/) */
  relay: RelaySettings
  /** Public DHT: server (answers queries), client (only asks), or auto (server once publicly reachable) */
  dhtMode: 'auto' | 'client' | 'server'
  /** Kademlia protocol id of the public DHT (public addresses only); another value joins another swarm */
  dhtProtocol: string
  /** Kademlia protocol id of the LAN DHT (private and loopback addresses only, always a server) */
  lanDhtProtocol: string
  /**
   * Provider records (ms): how long we keep records others publish to us (the
   * standard 24 h), how often we republish ours (before others drop them), and how
   * often we check which of ours are due; and how many of our announcements run at
   * once (sharing a folder queues one per file)
   */
  provide: { recordTtl: number, refreshInterval: number, checkInterval: number, concurrency: number }
  /**
   * Provider records of other peers each DHT (LAN, public) stores for them as a DHT
   * server: at most `maxPerPeer` for one peer and `maxTotal` in all; more are dropped
   */
  dhtRecords: { maxPerPeer: number, maxTotal: number }
  /** Peers from the persisted peer store dialled at start, so a restart rejoins without bootstrap */
  reconnectPeers: number
  /** Dial peers discovered (mDNS, bootstrap) while we have fewer connections than this */
  minConnections: number
  /** Most open connections */
  maxConnections: number
  /** Inbound connections accepted per second from one host (more are refused: flood protection) */
  inboundConnectionsPerHostPerSecond: number
  /** While the node has no connection at all, it redials bootstrap and remembered peers this often (ms) */
  rejoinInterval: number
  /** Timeout for dialling a peer (ms) */
  dialTimeout: number
  /** How long a DHT provider lookup may take (ms) */
  lookupTimeout: number
  /** Offers the catalog holds (own offers are never evicted) */
  catalog: CatalogLimits
  /**
   * Announcements on gossipsub: offers accepted per author (a token bucket: `burst`,
   * refilled at `perSecond`), how long gossipsub remembers a message it has seen (ms),
   * and whether peers on loopback addresses are spared gossipsub's IP colocation penalty
   */
  announce: { burst: number, perSecond: number, seenTtl: number, whitelistLoopback: boolean }
  /** Catalog pulls (`/peershare/catalog/1.0.0`): catch-up on connect, paging, serving limits */
  catalogSync: CatalogSyncSettings
  /** Remote search (`/peershare/search/1.0.0`): fan-out, deadline, serving limits */
  remoteSearch: RemoteSearchSettings
  /** File key grants (`/peershare/keys/1.0.0`): delivery retries, inbox bounds, serving limits */
  keys: KeysSettings
  /** Replication: storage offered to others' replicas (`quota`), whom from, per-file policies, the repair loop (replication/) */
  replication: ReplicationSettings
  /** Prometheus metrics at the control API's `GET /metrics` (metrics/) */
  metrics: MetricsSettings
  /** Largest file the web UI uploads to share (bytes); a larger upload is refused before it is stored */
  maxUploadBytes: number
}

export const DEFAULTS: Readonly<Omit<NodeConfig, 'repo'>> = Object.freeze({
  listen: [...DEFAULT_LISTEN],
  wsPort: null,
  chunkSize: DEFAULT_CHUNK_SIZE,
  collectionConcurrency: 4,
  maxUploadBytes: 4 * 1024 ** 3,
  limits: Object.freeze({ upload: 0, uploadPerPeer: 0, download: 0 }),
  transfer: Object.freeze({
    maxSources: 16,
    maxStrikes: 3,
    sourceRefreshInterval: 15_000,
    stallRetryMax: 60_000,
    checkpointInterval: 500
  }),
  exchange: Object.freeze({
    maxInboundStreamsPerConnection: 32,
    maxSessions: 256,
    maxSessionsPerPeer: 32,
    idleEvictAfter: 5_000,
    maxAbandoned: 32,
    abandonPenalty: 60_000,
    maxInvalid: 50,
    invalidPenalty: 600_000,
    notFoundPerPeer: 100,
    notFoundWindow: 60_000,
    maxUnsentPerSession: 4 * 1024 * 1024,
    maxUnsentPerPeer: 16 * 1024 * 1024,
    maxUnsentBytes: 64 * 1024 * 1024,
    maxQueuedChunks: MAX_OUTSTANDING_CHUNKS,
    sessionIdleTimeout: 60_000,
    requestTimeout: 30_000,
    readHighWaterMark: 4 * 1024 * 1024,
    compression: true
  }),
  muxer: Object.freeze({
    streamWindowBytes: YAMUX_WINDOW_BYTES,
    maxReadBufferBytes: YAMUX_READ_BUFFER_BYTES,
    maxWriteBufferBytes: 8 * 1024 * 1024,
    maxStreamsPerConnection: 256,
    keepAliveIntervalMs: 30_000,
    keepAliveTimeoutMs: 15_000
  }),
  bootstrap: Object.freeze([]) as unknown as string[],
  mdns: false,
  upnp: false,
  tlsOnDialledSockets: true,
  // Kubo's relay v2 limits: enough to set up a connection and hole punch, not to carry files
  relay: Object.freeze({
    server: 'auto',
    reserve: 'auto',
    maxReservations: 15,
    maxCircuits: 16,
    dataLimit: 128 * 1024,
    durationLimit: 2 * 60_000,
    reservationTtl: 60 * 60_000,
    // runtime reachability (reachability/state.ts): AutoNAT verifies a reachable address within seconds
    verifyWindow: 2 * 60_000,
    settleTime: 60_000,
    minAutonatPeers: 3
  }) as RelaySettings,
  dhtMode: 'auto',
  dhtProtocol: '/peershare/kad/1.0.0',
  lanDhtProtocol: '/peershare/lan/kad/1.0.0',
  provide: Object.freeze({ recordTtl: 24 * 60 * 60 * 1000, refreshInterval: 22 * 60 * 60 * 1000, checkInterval: 60 * 60 * 1000, concurrency: 4 }),
  dhtRecords: Object.freeze({ maxPerPeer: 10_000, maxTotal: 200_000 }),
  reconnectPeers: 16,
  minConnections: 16,
  maxConnections: 300,
  inboundConnectionsPerHostPerSecond: 5,
  rejoinInterval: 10_000,
  dialTimeout: 10_000,
  lookupTimeout: 30_000,
  catalog: Object.freeze({
    maxEntriesPerAuthor: 10_000,
    maxBytesPerAuthor: 2 * 1024 * 1024,
    maxEntries: 200_000,
    maxTombstones: 50_000,
    tombstoneTtl: 30 * 24 * 60 * 60 * 1000,
    maxIdleAuthors: 50_000
  }),
  announce: Object.freeze({ burst: 20, perSecond: 1, seenTtl: 120_000, whitelistLoopback: true }),
  catalogSync: Object.freeze({
    maxConcurrentPulls: 4,
    maxQueuedPulls: 64,
    maxPagesPerPull: 100,
    pageEntries: MAX_CATALOG_PAGE_ENTRIES,
    pageTimeout: 10_000,
    repullInterval: 5 * 60_000,
    maxRememberedPeers: 1_000,
    penaltyDuration: 10 * 60_000,
    maxInboundStreamsPerConnection: 2,
    pagesPerPeer: 50,
    pagesWindow: 10_000
  }),
  remoteSearch: Object.freeze({
    maxPeers: 8,
    deadline: 2_000,
    preferUnpulled: true,
    freshCatalogAge: 10 * 60_000,
    maxInboundStreamsPerConnection: 2,
    queriesPerPeer: 10,
    queriesWindow: 10_000
  }),
  keys: Object.freeze({
    maxPendingGrants: 10_000,
    retryInterval: 30_000,
    maxRetryInterval: 60 * 60_000,
    maxRetryAttempts: 50,
    maxConcurrentDeliveries: 4,
    maxInboxEntries: 10_000,
    maxInboxPerSender: 1_000,
    requestTimeout: 10_000,
    maxInboundStreamsPerConnection: 2,
    requestsPerPeer: 20,
    requestsWindow: 10_000
  }),
  replication: Object.freeze({
    quota: 0,
    acceptsFrom: 'contacts',
    acceptsEncrypted: true,
    maxConcurrent: 2,
    maxReplicas: 1_000,
    offerInterval: 10 * 60_000,
    offerTtl: 30 * 60_000,
    maxOffers: 10_000,
    fetchTimeout: 60 * 60_000,
    requestTimeout: 10_000,
    requestsPerPeer: 30,
    requestsWindow: 60_000,
    replicas: Object.freeze({ min: 2, max: 5 }),
    shareDefault: Object.freeze({ min: 0, max: 0 }),
    repairInterval: 10 * 60_000,
    jitter: 0.2,
    lossGrace: 15 * 60_000,
    surplusGrace: 60 * 60_000,
    probeTimeout: 10_000,
    onePerSubnet: true
  }) as ReplicationSettings,
  metrics: METRICS_DEFAULTS
})

export type NodeInit = Partial<Omit<NodeConfig, 'exchange' | 'muxer' | 'provide' | 'dhtRecords' | 'transfer' | 'limits' | 'catalog' | 'announce' | 'catalogSync' | 'remoteSearch' | 'keys' | 'replication' | 'relay' | 'metrics'>> & {
  metrics?: Partial<MetricsSettings>
  /** `dataLimit` in bytes or text with units such as "4MiB" (config file) */
  relay?: Partial<Omit<RelaySettings, 'dataLimit'>> & { dataLimit?: number | string }
  catalogSync?: Partial<CatalogSyncSettings>
  /** `quota` in bytes or text with units such as "10GiB" (config file) */
  replication?: Partial<Omit<ReplicationSettings, 'quota'>> & { quota?: number | string }
  keys?: Partial<KeysSettings>
  remoteSearch?: Partial<RemoteSearchSettings>
  catalog?: Partial<CatalogLimits>
  announce?: Partial<NodeConfig['announce']>
  transfer?: Partial<TransferSettings>
  /** bytes per second, or text with units such as "8MiB" (config file) */
  limits?: Partial<Record<keyof BandwidthLimits, number | string>>
  exchange?: Partial<ExchangeLimits>
  muxer?: Partial<NodeConfig['muxer']>
  provide?: Partial<NodeConfig['provide']>
  dhtRecords?: Partial<NodeConfig['dhtRecords']>
}

export function resolveConfig (init: NodeInit = {}): NodeConfig {
  return validateConfig({
    ...DEFAULTS,
    ...definedEntries(init),
    repo: init.repo ?? defaultRepoPath(),
    wsPort: init.wsPort ?? DEFAULTS.wsPort,
    listen: withWebSockets(init.listen ?? [...DEFAULTS.listen], init.wsPort ?? DEFAULTS.wsPort),
    bootstrap: [...new Set(init.bootstrap ?? [])],
    provide: { ...DEFAULTS.provide, ...definedEntries(init.provide) },
    dhtRecords: { ...DEFAULTS.dhtRecords, ...definedEntries(init.dhtRecords) },
    transfer: { ...DEFAULTS.transfer, ...definedEntries(init.transfer) },
    limits: resolveLimits(init.limits),
    exchange: { ...DEFAULTS.exchange, ...definedEntries(init.exchange) },
    muxer: { ...DEFAULTS.muxer, ...definedEntries(init.muxer) },
    catalog: { ...DEFAULTS.catalog, ...definedEntries(init.catalog) },
    announce: { ...DEFAULTS.announce, ...definedEntries(init.announce) },
    catalogSync: { ...DEFAULTS.catalogSync, ...definedEntries(init.catalogSync) },
    remoteSearch: { ...DEFAULTS.remoteSearch, ...definedEntries(init.remoteSearch) },
    keys: { ...DEFAULTS.keys, ...definedEntries(init.keys) },
    replication: resolveReplication(init.replication),
    relay: resolveRelay(init.relay),
    metrics: { ...DEFAULTS.metrics, ...definedEntries(init.metrics) }
  })
}

/** `listen` plus the WebSockets listen addresses `wsPort` asks for */
function withWebSockets (listen: string[], wsPort: number | null): string[] {
  const fail = (why: string): never => { throw new ConfigError(`Invalid setting: ${why}`) }
  // checked once, here: before any WebSockets address is derived from them
  checkListen(listen, fail)
  if (wsPort == null) return listen
  if (!Number.isInteger(wsPort) || wsPort < 0 || wsPort > 65535) fail('wsPort must be a port number (0-65535), or null for no WebSockets listener')
  const ws = webSocketsListen(listen, wsPort)
  if (ws.length === 0) fail('wsPort needs a TCP listen address: WebSockets listens on the hosts of the TCP listeners')
  if (wsPort !== 0 && tcpListenPorts(listen).includes(wsPort)) fail(`wsPort ${wsPort} is a TCP listen port already: pick another`)
  return [...new Set([...listen, ...ws])]
}

function resolveRelay (init: NodeInit['relay'] = {}): RelaySettings {
  const { dataLimit, ...rest } = definedEntries(init)
  return { ...DEFAULTS.relay, ...rest, dataLimit: typeof dataLimit === 'string' ? parseSize(dataLimit) : dataLimit ?? DEFAULTS.relay.dataLimit }
}

function resolveReplication (init: NodeInit['replication'] = {}): ReplicationSettings {
  const { quota, ...rest } = definedEntries(init)
  return { ...DEFAULTS.replication, ...rest, quota: typeof quota === 'string' ? parseSize(quota) : quota ?? DEFAULTS.replication.quota }
}

function resolveLimits (init: NodeInit['limits'] = {}): BandwidthLimits {
  const limits = { ...DEFAULTS.limits }
  for (const key of Object.keys(limits) as Array<keyof BandwidthLimits>) {
    const value = init[key]
    if (value !== undefined) limits[key] = typeof value === 'string' ? parseRate(value) : value
  }
  return limits
}

/**
 * Bootstrap peers from `PEERSHARE_BOOTSTRAP` (comma or space separated multiaddrs),
 * added to those from the config file and the command line.
 */
export function bootstrapFromEnv (env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.PEERSHARE_BOOTSTRAP ?? '').split(/[\s,]+/).filter(s => s !== '')
}

/** The entries of `obj` that are set: a setting left out must not erase one from a lower layer */
export function definedEntries<T extends object> (obj: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(obj ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>
}
