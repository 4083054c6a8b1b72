/**
 * The one place libp2p is configured: transports (TCP, WebRTC-direct with a certificate
 * kept in the datastore, WebSockets; transports/), noise, yamux
 * with explicit limits, peer discovery (bootstrap list, optional mDNS) and the service
 * set (identify and identify-push, ping, AutoNAT, two Kademlia DHTs under peershare protocol ids, gossipsub
 * for announcements), reachability behind NAT (reachability/: the circuit relay
 * transport, a relay server within caps, relay reservations, DCUtR, UPnP), and peer
 * records kept in memory between background writes (peer-store/).
 *
 * The two DHTs follow Kubo's dual DHT. The public one (`dht`) holds public addresses
 * only and runs in `dhtMode` (auto: a server once AutoNAT confirms a public address).
 * The LAN one (`lanDht`) holds private and loopback addresses only and is always a
 * server, so nodes on one machine or one LAN find each other with default settings;
 * AutoNAT never confirms such addresses, which left every node a client of an empty
 * public DHT.
 */
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { bootstrap } from '@libp2p/bootstrap'
import { identify, identifyPush } from '@libp2p/identify'
import { logger } from '@libp2p/logger'
import { mdns } from '@libp2p/mdns'
import type { ComponentLogger, Connection, Metrics, PeerId, PeerStore, PrivateKey, StreamMuxerFactory } from '@libp2p/interface'
import { type KadDHT, type KadDHTInit, kadDHT, type PeerInfoMapper, removePrivateAddressesMapper, removePublicAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { Datastore } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import { gossipsubOptions } from './catalog/gossip-config.js'
import type { NodeConfig } from './config.js'
import { addConnectedContacts, type KadContentRouting, PeerReads, type PeerUpdates, ProviderRecordCap, dropRepeatedPeers, type PeerNews, provideOptimistically, lazyDhtStreams, type StreamOpener } from './dht/index.js'
import { PEER_RECORD_MAX_AGE_MS, PeerRecordCache, connectedRecords, peerRecordFlush } from './peer-store/index.js'
import { freshDialAutoNAT, reachabilityParts } from './reachability/index.js'
import { withUdpPortsChosen } from './swarm/listen-ports.js'
import { boundedWebSockets, capYamuxFrames, certificateKeychain, keepAliveMuxer, lazySelectMuxer, lazyUpgrades, peershareNoise, peershareTls, persistentWebRTCDirect, retryRefusedDials, type TlsInit } from './transports/index.js'

export interface Libp2pComponents {
  privateKey: PrivateKey
  datastore: Datastore
  config: NodeConfig
  /** the application's part of gossipsub peer scores (0 or below) */
  appScore?: (peer: string) => number
  /** libp2p's metrics into the node's registry (metrics/); none when metrics are off */
  metrics?: (components: { logger: ComponentLogger }) => Metrics
}

export async function createPeershareLibp2p ({ privateKey, datastore, config, appScore = () => 0, metrics }: Libp2pComponents) {
  const { muxer } = config
  const peerDiscovery = []
  if (config.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: config.bootstrap }))
  if (config.mdns) peerDiscovery.push(mdns())
  const caps: ProviderRecordCap[] = []
  const reach = reachabilityParts(config)
  // peer records in memory, written in the background: libp2p writes one on every stream (peer-store/)
  const peerRecords = new PeerRecordCache(datastore, logger('peershare:node:peer-store'))
  const node = await createLibp2p({
    privateKey,
    datastore: peerRecords,
    metrics,
    start: false,
    addresses: { listen: await withUdpPortsChosen(reach.listen) },
    transports: [retryRefusedDials(tcp()), persistentWebRTCDirect(), boundedWebSockets(), reach.transport],
    connectionGater: reach.connectionGater,
    connectionEncrypters: peershareEncrypters({ takeDialledSockets: config.tlsOnDialledSockets }),
    streamMuxers: [peershareMuxer(muxer)],
    peerDiscovery,
    connectionManager: {
      maxConnections: config.maxConnections,
      inboundConnectionThreshold: config.inboundConnectionsPerHostPerSecond,
      dialTimeout: config.dialTimeout
    },
    // connections are kept alive by yamux ping frames instead (`peershareMuxer`): libp2p's
    // monitor opened a stream for every ping, most of an idle swarm's CPU
    connectionMonitor: { enabled: false },
    // set, not left to libp2p's default, so connectedRecords below follows it
    peerStore: { maxPeerAge: PEER_RECORD_MAX_AGE_MS },
    services: {
      // keeps peer record writes in memory while libp2p runs and writes them all once it stopped
      peerRecordFlush: peerRecordFlush(peerRecords),
      // writes connected peers' records before the store forgets them: ping frames write none
      connectedRecords: connectedRecords({ maxPeerAge: PEER_RECORD_MAX_AGE_MS }),
      // keeps WebRTC-direct's certificate key (the transport reads the service by this name)
      keychain: certificateKeychain(),
      identify: identify(),
      // tells connected peers when our protocols or addresses change. Without it a peer
      // connected while our public DHT was a client never learns that we turned server
      // (dhtMode auto, after AutoNAT): kad-dht adds a peer to its routing table only when
      // identify lists its DHT protocol, so two public nodes connected before both turned
      // server stayed out of each other's tables for good. It also tells the peers libp2p
      // redials at start (kad-dht's keep-alive ones, before our
      // services register their protocols) the full list (keys/ delivery waits for it)
      identifyPush: identifyPush(),
      // `peershare peers` measures latency with it, and other libp2p nodes' connection
      // monitors ping through it: room for both (ping's defaults are 2 and 1)
      ping: ping({ maxInboundStreams: 4, maxOutboundStreams: 4 }),
      // dial-backs on fresh connections: reusing the requester's closed it (reachability/autonat.ts)
      autoNAT: freshDialAutoNAT(),
      dht: cappedDht(config, caps, {
        ...dhtSettings(config),
        protocol: config.dhtProtocol,
        // undefined: kad-dht starts as a client and turns server once reachable publicly
        clientMode: config.dhtMode === 'auto' ? undefined : config.dhtMode === 'client',
        // as Kubo's WAN DHT: a private address is no use to a peer elsewhere on the internet
        peerInfoMapper: ADDRESSES_KEPT.public
      }),
      lanDht: cappedDht(config, caps, {
        ...dhtSettings(config),
        protocol: config.lanDhtProtocol,
        // a private or loopback address is dialable by the peers that see it
        clientMode: false,
        peerInfoMapper: ADDRESSES_KEPT.lan,
        // its own records and logs, apart from the public DHT's
        datastorePrefix: '/dht-lan',
        logPrefix: 'libp2p:kad-dht:lan',
        metricsPrefix: 'libp2p_kad_dht_lan'
      }),
      // announcements only, scored (catalog/gossip-config.ts)
      pubsub: gossipsub(gossipsubOptions(config.announce, appScore)),
      // DCUtR, UPnP when asked, and the controller that reserves on relays and serves as one as AutoNAT finds
      ...reach.services
    }
  })
  reach.circuits.bind(node)
  // dialled connections propose their encrypter without waiting for its echo (transports/lazy-upgrade.ts)
  lazyUpgrades((node as unknown as { components: { upgrader: unknown } }).components.upgrader)
  // count the records already stored before either DHT can add more
  await Promise.all(caps.map(async cap => cap.load()))
  return node
}

/** The addresses each DHT keeps in its routing table and its answers */
const ADDRESSES_KEPT: Record<NamedDht['name'], PeerInfoMapper> = {
  public: removePrivateAddressesMapper,
  lan: removePublicAddressesMapper
}

/** What `cappedDht` reads of libp2p's components */
interface DhtComponents { datastore: Datastore, peerId: PeerId, logger: ComponentLogger, connectionManager: StreamOpener & { getConnections: (peer: PeerId) => Connection[] }, peerStore: PeerStore, events: PeerUpdates }

/** Provider records each DHT stores for other peers, and how many it dropped at its caps */
const recordCaps = new WeakMap<KadDHT, ProviderRecordCap>()
/** How many repeated announcements of a peer each DHT dropped (dht/repeat-peers.ts) */
const repeatsDropped = new WeakMap<KadDHT, () => number>()
/** The peer store each DHT reads through (dht/peer-reads.ts) */
const peerReads = new WeakMap<KadDHT, PeerReads>()

/**
 * kad-dht with a capped store for other peers' provider records: the DHT gets the
 * node's datastore wrapped in `ProviderRecordCap` (kad-dht has no cap of its own);
 * without the repeats of the peers its answers name (dht/repeat-peers.ts); providing
 * while it walks (dht/optimistic-provide.ts); connected peers added to its routing
 * table without a ping (dht/connected-contacts.ts); and peers read from the peer store
 * kept decoded for a while (dht/peer-reads.ts); requests that do not wait for
 * multistream's echo (dht/lazy-streams.ts)
 */
function cappedDht (config: NodeConfig, caps: ProviderRecordCap[], init: KadDHTInit): (components: DhtComponents) => KadDHT {
  const factory = kadDHT(init) as (components: unknown) => KadDHT
  const prefix = init.datastorePrefix ?? '/dht'
  return components => {
    const logName = `peershare:node:dht${prefix === '/dht' ? '' : ':lan'}`
    const cap = new ProviderRecordCap(components.datastore, prefix, config.dhtRecords, components.peerId,
      components.logger.forComponent(`${logName}:records`))
    caps.push(cap)
    // everything else of libp2p's components stays as it is (they are read through the prototype)
    // peers it names in its answers read from memory for a while (dht/peer-reads.ts)
    const reads = new PeerReads(components.peerStore, components.events)
    // and its requests sent behind their protocol's proposal, not after its echo (dht/lazy-streams.ts)
    const dht = factory(Object.create(components, {
      datastore: { value: cap },
      peerStore: { value: reads.peerStore },
      connectionManager: { value: lazyDhtStreams(components.connectionManager) }
    }))
    peerReads.set(dht, reads)
    recordCaps.set(dht, cap)
    // kad-dht's implementation has the network that announces the peers its answers name; its interface type does not
    const network = (dht as unknown as { network?: PeerNews }).network
    if (network != null) repeatsDropped.set(dht, dropRepeatedPeers(network))
    // records go to the closest peers while the walk meets them, not once it ended (dht/optimistic-provide.ts)
    provideOptimistically((dht as unknown as { contentRouting?: Partial<KadContentRouting> }).contentRouting ?? {})
    // a connected DHT peer is there: no ping before it enters the table (dht/connected-contacts.ts)
    addConnectedContacts((dht as unknown as { routingTable?: unknown }).routingTable,
      peer => components.connectionManager.getConnections(peer).some(c => c.status === 'open'))
    return dht
  }
}

/**
 * Disjoint paths a DHT query walks. kad-dht's default is alpha (10): each path seeks
 * its own 20 closest responders among peers no other path has seen, so a query asked
 * nearly every node of a 100-node swarm, each a dial, and a provide waited for all of
 * them (issue 14). One path, as go-libp2p-kad-dht walks, still asks alpha peers at once.
 */
const DHT_DISJOINT_PATHS = 1

/** What both DHTs share: how a query walks, provider record lifetimes and republishing */
function dhtSettings (config: NodeConfig): KadDHTInit {
  return {
    disjointPaths: DHT_DISJOINT_PATHS,
    providers: { provideValidity: config.provide.recordTtl / 1000 },
    // kad-dht republishes a record `threshold` ms before its `validity` ends
    reprovide: {
      interval: config.provide.checkInterval,
      validity: 2 * config.provide.recordTtl,
      threshold: 2 * config.provide.recordTtl - config.provide.refreshInterval
    }
  }
}

/** One of the node's DHTs, as the index, the swarm and the status report use it */
export interface NamedDht {
  name: 'lan' | 'public'
  protocol: string
  dht: KadDHT
  /** peers in its routing table */
  routingTableSize(): number
  /**
   * Keeps the addresses of a peer this DHT may hand out (its `peerInfoMapper`). kad-dht
   * applies it to its answers to other peers but not to the provider records it holds
   * itself, whose addresses come from the peer store as identify filled it: a public DHT
   * server holding a record would hand its own user the provider's LAN address
   */
  keepAddresses: PeerInfoMapper
  /** provider records of other peers it stores, and how many it dropped at its caps */
  providerRecords(peer?: string): { total: number, peer: number, dropped: number }
  /** peers named again in its answers within REPEAT_WINDOW_MS, with the same addresses, and not passed on */
  repeatedPeersDropped(): number
  /** its peer-store reads answered from memory and from the store (dht/peer-reads.ts) */
  peerReads(): { hits: number, misses: number, kept: number }
}

/** The LAN DHT first: on one machine or a LAN it is the one that answers */
export function nodeDhts (libp2p: PeershareLibp2p, config: Pick<NodeConfig, 'dhtProtocol' | 'lanDhtProtocol'>): NamedDht[] {
  return [
    named('lan', config.lanDhtProtocol, libp2p.services.lanDht),
    named('public', config.dhtProtocol, libp2p.services.dht)
  ]
}

function named (name: NamedDht['name'], protocol: string, dht: KadDHT): NamedDht {
  // kad-dht's implementation exposes its routing table; its interface type does not
  const table = (dht as unknown as { routingTable?: { size?: number } }).routingTable
  return {
    name,
    protocol,
    dht,
    routingTableSize: () => typeof table?.size === 'number' ? table.size : 0,
    keepAddresses: ADDRESSES_KEPT[name],
    providerRecords: peer => recordCaps.get(dht)?.stats(peer) ?? { total: 0, peer: 0, dropped: 0 },
    repeatedPeersDropped: () => repeatsDropped.get(dht)?.() ?? 0,
    peerReads: () => peerReads.get(dht)?.stats() ?? { hits: 0, misses: 0, kept: 0 }
  }
}

/**
 * TLS first (Node's own, in C++ on accepted TCP sockets: transports/tls.ts), noise for
 * browsers and peers without TLS (also what benchmarks compare against)
 */
export function peershareEncrypters (tls: TlsInit = {}): Array<ReturnType<typeof peershareTls> | ReturnType<typeof peershareNoise>> {
  return [peershareTls(tls), peershareNoise()]
}

/**
 * yamux with peershare's explicit limits (also what benchmarks compare against), each
 * connection kept alive by its pings (transports/keep-alive.ts)
 */
export function peershareMuxer (muxer: NodeConfig['muxer']): () => StreamMuxerFactory {
  capYamuxFrames()
  const factory = yamux({
    // keepAliveMuxer pings instead: yamux's own keep-alive only logs a ping left unanswered
    enableKeepAlive: false,
    maxInboundStreams: muxer.maxStreamsPerConnection,
    maxOutboundStreams: muxer.maxStreamsPerConnection,
    streamOptions: {
      maxStreamWindowSize: muxer.streamWindowBytes,
      maxReadBufferLength: muxer.maxReadBufferBytes,
      // yamux's default is unbounded (the CVE-2024-32984 pattern); past it the stream is aborted
      maxWriteBufferLength: muxer.maxWriteBufferBytes
    }
  })
  const keepAlive = { intervalMs: muxer.keepAliveIntervalMs, timeoutMs: muxer.keepAliveTimeoutMs }
  return () => keepAliveMuxer(lazySelectMuxer(factory()), keepAlive)
}

export type PeershareLibp2p = Awaited<ReturnType<typeof createPeershareLibp2p>>
