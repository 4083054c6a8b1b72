/**
 * What makes a resolved config unusable, said before anything runs with it: each setting
 * checked for type and range, one `ConfigError` naming the first that fails
 * (`validateConfig`, called by `resolveConfig`); the replication policy check the keeper
 * uses too.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { MAX_CATALOG_PAGE_ENTRIES, MAX_CHUNK_MESSAGE_OVERHEAD, MAX_CHUNK_SIZE, MAX_OUTSTANDING_CHUNKS, isValidChunkSize } from '@peershare/protocol'
import type { NodeConfig } from './config.js'
import { ConfigError } from './errors.js'
import type { RelaySettings } from './reachability/relay-policy.js'
import type { ReplicationSettings } from './replication/index.js'

/** Room a stream's write buffer keeps beyond the chunk data the send budget counts: the chunk messages' framing and Haves */
const WRITE_BUFFER_FRAMING_BYTES = 64 * 1024

/** Rejects settings that cannot work, before anything runs with them */
export function validateConfig (config: NodeConfig): NodeConfig {
  const fail = (why: string): never => { throw new ConfigError(`Invalid setting: ${why}`) }
  if (!isValidChunkSize(config.chunkSize)) fail(`chunkSize ${config.chunkSize} is not a power of two from 16 KiB to 4 MiB`)
  if (config.muxer.maxReadBufferBytes <= config.muxer.streamWindowBytes) fail('muxer.maxReadBufferBytes must exceed muxer.streamWindowBytes')
  // the exchange keeps a stream's unsent bytes within maxUnsentPerSession, yet hands a
  // session holding nothing one whole chunk message, of any file it serves (a download's
  // or a replica's chunks may be 4 MiB whatever our chunkSize); the budget counts chunk
  // data, not the messages' framing nor Haves: yamux aborts a stream past its limit
  const needed = Math.max(config.exchange.maxUnsentPerSession, MAX_CHUNK_SIZE + MAX_CHUNK_MESSAGE_OVERHEAD) + WRITE_BUFFER_FRAMING_BYTES
  if (config.muxer.maxWriteBufferBytes < needed) {
    fail(`muxer.maxWriteBufferBytes must be at least ${needed} bytes: exchange.maxUnsentPerSession or one chunk message of the largest size, whichever is more, and 64 KiB for the messages' framing`)
  }
  if (config.exchange.maxQueuedChunks < MAX_OUTSTANDING_CHUNKS) fail(`exchange.maxQueuedChunks below the protocol minimum ${MAX_OUTSTANDING_CHUNKS}`)
  for (const [name, value] of Object.entries(config.limits)) {
    if (!Number.isFinite(value) || value < 0) fail(`limits.${name} must be 0 (unlimited) or a positive rate`)
  }
  if (!Number.isSafeInteger(config.maxUploadBytes) || config.maxUploadBytes < 1) fail('maxUploadBytes must be a positive whole number of bytes')
  if (!Number.isInteger(config.collectionConcurrency) || config.collectionConcurrency < 1) fail('collectionConcurrency must be a positive integer')
  if (!Number.isInteger(config.provide.concurrency) || config.provide.concurrency < 1) fail('provide.concurrency must be a positive integer')
  if (!['auto', 'client', 'server'].includes(config.dhtMode)) fail(`dhtMode ${config.dhtMode} is not auto, client or server`)
  // one protocol id can have one handler: the two DHTs would answer for each other
  if (config.lanDhtProtocol === config.dhtProtocol) fail('lanDhtProtocol must differ from dhtProtocol')
  for (const addr of config.bootstrap) {
    const problem = peerAddressProblem(addr)
    if (problem != null) fail(`bootstrap address ${addr} ${problem} (from --bootstrap, PEERSHARE_BOOTSTRAP or config.json)`)
  }
  for (const [name, value] of Object.entries(config.dhtRecords)) {
    if (!Number.isInteger(value) || value < 0) fail(`dhtRecords.${name} must be a whole number`)
  }
  for (const [name, value] of Object.entries(config.catalog)) {
    if (!Number.isInteger(value) || value < 1) fail(`catalog.${name} must be a positive whole number`)
  }
  const { burst, perSecond, seenTtl } = config.announce
  if (!(burst >= 1 && perSecond > 0 && seenTtl > 0)) fail('announce.burst must be at least 1, announce.perSecond and announce.seenTtl positive')
  const { preferUnpulled: _, ...searchNumbers } = config.remoteSearch
  for (const [name, value] of Object.entries({ ...config.catalogSync, ...searchNumbers })) {
    if (!Number.isInteger(value) || value < 1) fail(`catalogSync/remoteSearch ${name} must be a positive whole number`)
  }
  if (typeof config.remoteSearch.preferUnpulled !== 'boolean') fail('remoteSearch.preferUnpulled must be true or false')
  for (const [name, value] of Object.entries(config.keys)) {
    if (!Number.isInteger(value) || value < 1) fail(`keys.${name} must be a positive whole number`)
  }
  checkSwarm(config, fail)
  checkReplication(config.replication, fail)
  checkRelay(config.relay, fail)
  for (const [name, value] of Object.entries({ upnp: config.upnp, mdns: config.mdns, tlsOnDialledSockets: config.tlsOnDialledSockets, 'announce.whitelistLoopback': config.announce.whitelistLoopback })) {
    if (typeof value !== 'boolean') fail(`${name} must be true or false`)
  }
  if (typeof config.metrics.enabled !== 'boolean' || typeof config.metrics.collectDefault !== 'boolean') fail('metrics.enabled and metrics.collectDefault must be true or false')
  if (config.catalogSync.pageEntries > MAX_CATALOG_PAGE_ENTRIES) fail(`catalogSync.pageEntries above the protocol limit ${MAX_CATALOG_PAGE_ENTRIES}`)
  const { compression, ...exchangeNumbers } = config.exchange
  if (typeof compression !== 'boolean') fail('exchange.compression must be true or false')
  for (const [name, value] of Object.entries({ ...config.transfer, dialTimeout: config.dialTimeout, lookupTimeout: config.lookupTimeout, ...exchangeNumbers })) {
    if (!Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number`)
  }
  return config
}

/** yamux's initial stream window: a smaller window is refused by yamux itself when libp2p starts */
const YAMUX_INITIAL_WINDOW = 256 * 1024
/** The shortest wait between two rounds of dials while connected to nobody (ms): less would redial in a tight loop */
const MIN_REJOIN_INTERVAL = 1000

/** Listen addresses: a list of multiaddr strings (resolveConfig checks them before it derives WebSockets addresses from them) */
export function checkListen (listen: unknown, fail: (why: string) => never): void {
  if (!Array.isArray(listen) || listen.some(a => typeof a !== 'string')) fail('listen must be a list of multiaddrs')
  for (const addr of listen as string[]) {
    try {
      multiaddr(addr)
    } catch {
      fail(`listen address ${addr} is not a multiaddr (e.g. /ip4/0.0.0.0/tcp/4001)`)
    }
  }
}

/** The shortest keep-alive interval or timeout (ms) */
const MIN_KEEP_ALIVE_MS = 1000
/** The longest delay a Node timer takes (ms) */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Connection counts, the muxer and provide timing: each a clear error here, not a library's later */
function checkSwarm (config: NodeConfig, fail: (why: string) => never): void {
  for (const [name, value] of Object.entries({ reconnectPeers: config.reconnectPeers, minConnections: config.minConnections })) {
    if (!Number.isInteger(value) || value < 0) fail(`${name} must be a whole number`)
  }
  if (!Number.isInteger(config.maxConnections) || config.maxConnections < 1) fail('maxConnections must be a positive whole number')
  if (config.minConnections > config.maxConnections) fail(`minConnections (${config.minConnections}) above maxConnections (${config.maxConnections})`)
  if (!(config.inboundConnectionsPerHostPerSecond > 0)) fail('inboundConnectionsPerHostPerSecond must be a positive number')
  if (!(config.rejoinInterval >= MIN_REJOIN_INTERVAL)) fail(`rejoinInterval must be at least ${MIN_REJOIN_INTERVAL} ms`)
  const { streamWindowBytes, maxReadBufferBytes, maxWriteBufferBytes, maxStreamsPerConnection, keepAliveIntervalMs, keepAliveTimeoutMs } = config.muxer
  for (const [name, value] of Object.entries({ streamWindowBytes, maxReadBufferBytes, maxWriteBufferBytes, maxStreamsPerConnection })) {
    if (!Number.isSafeInteger(value) || value < 1) fail(`muxer.${name} must be a positive whole number`)
  }
  // a timer takes at most 2^31 - 1 ms (longer fires at once); under a second, a busy machine's late answers would cut connections
  for (const [name, value] of Object.entries({ keepAliveIntervalMs, keepAliveTimeoutMs })) {
    if (!Number.isInteger(value) || value < MIN_KEEP_ALIVE_MS || value > MAX_TIMER_MS) fail(`muxer.${name} must be a whole number of ms from ${MIN_KEEP_ALIVE_MS} to ${MAX_TIMER_MS}`)
  }
  if (streamWindowBytes < YAMUX_INITIAL_WINDOW) fail(`muxer.streamWindowBytes must be at least ${YAMUX_INITIAL_WINDOW} (yamux's initial window)`)
  const { recordTtl, refreshInterval, checkInterval } = config.provide
  for (const [name, value] of Object.entries({ recordTtl, refreshInterval, checkInterval })) {
    if (!Number.isFinite(value) || value <= 0) fail(`provide.${name} must be a positive number of ms`)
  }
  // a record refreshed after it expired leaves the file unfindable in between
  if (refreshInterval >= recordTtl) fail('provide.refreshInterval must be shorter than provide.recordTtl')
}

function checkReplication (settings: ReplicationSettings, fail: (why: string) => never): void {
  const { quota, acceptsFrom, acceptsEncrypted, onePerSubnet, jitter, replicas, shareDefault, ...counts } = settings
  if (!Number.isSafeInteger(quota) || quota < 0) fail('replication.quota must be 0 (offer none) or a size such as "10GiB"')
  if (acceptsFrom !== 'anyone' && acceptsFrom !== 'contacts') fail('replication.acceptsFrom must be "anyone" or "contacts"')
  if (typeof acceptsEncrypted !== 'boolean' || typeof onePerSubnet !== 'boolean') fail('replication.acceptsEncrypted and replication.onePerSubnet must be true or false')
  if (!(jitter >= 0 && jitter < 1)) fail('replication.jitter must be from 0 to below 1')
  for (const [name, policy] of Object.entries({ replicas, shareDefault })) {
    const problem = policyProblem(policy)
    if (problem != null) fail(`replication.${name}: ${problem}`)
  }
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1) fail(`replication.${name} must be a positive whole number`)
  }
}

function checkRelay (settings: RelaySettings, fail: (why: string) => never): void {
  const { server, reserve, ...counts } = settings
  for (const [name, mode] of Object.entries({ server, reserve })) {
    if (!['auto', 'on', 'off'].includes(mode)) fail(`relay.${name} must be auto, on or off`)
  }
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 1) fail(`relay.${name} must be a positive whole number`)
  }
}

/** Most replicas a file may ask for: past this, a policy is a mistake, not a wish */
export const MAX_REPLICAS = 64

/** Why a replication policy cannot work, or undefined */
export function policyProblem (policy: { min: number, max: number } | undefined): string | undefined {
  if (policy == null || !Number.isInteger(policy.min) || !Number.isInteger(policy.max)) return 'min and max must be whole numbers'
  if (policy.min < 0 || policy.max < policy.min) return `${policy.min}:${policy.max} needs 0 <= min <= max`
  if (policy.max > MAX_REPLICAS) return `at most ${MAX_REPLICAS} replicas`
  return undefined
}

/**
 * Why `text` cannot name a peer to join through, or undefined if it can. A bootstrap
 * address needs /p2p/<peer id>: it says which peer must answer there, and
 * libp2p's bootstrap list silently skips addresses without one.
 */
export function peerAddressProblem (text: string): string | undefined {
  let addr: Multiaddr
  try {
    addr = multiaddr(text)
  } catch {
    return 'is not a multiaddr'
  }
  const last = addr.getComponents().at(-1)
  if (last?.name !== 'p2p' || last.value == null) return 'has no /p2p/<peer id> at the end: add the peer id that node prints (`peershare id` there)'
  try {
    peerIdFromString(last.value)
  } catch {
    return `ends in /p2p/${last.value}, which is not a peer id`
  }
  return undefined
}
