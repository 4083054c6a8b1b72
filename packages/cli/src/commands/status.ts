/** `peershare status`: identity, addresses, reachability, addresses for browsers, both DHTs (mode, routing table), files, storage, discovery; `status <file-id>`: a file's replicas */
import { type BrowserAddresses, REACHABILITY_WORDS, type ReachabilityStatus, autonatSummary, isolationSummary, reachabilityPolicySummary, relayServerSummary } from '@peershare/client'
import type { DhtStatus, DiscoveryStatus, NodeStatus } from '@peershare/node'
import type { CommandContext } from '../context.js'
import { formatBytes, formatDuration } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'
import { replicationLines } from './replicate.js'

export async function status (options: { json?: boolean, fileId?: string }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (options.fileId != null) {
    checkIdPrefix(options.fileId)
    const info = await client.replication(options.fileId)
    if (options.json === true) print(JSON.stringify(info))
    else replicationLines(info).forEach(print)
    return
  }
  const s = await client.status()
  if (options.json === true) {
    print(JSON.stringify(s))
    return
  }
  print(`peer id        ${s.peerId}`)
  s.addresses.forEach((a, i) => { print(`${i === 0 ? 'addresses     ' : '              '} ${a}`) })
  print(`connections    ${s.connections}`)
  if (s.isolated != null) print(`  no peer      ${isolationSummary(s.isolated)}`)
  if (s.reachability != null) reachabilityLines(s.reachability).forEach(print)
  if (s.browser != null) browserLines(s.browser).forEach(print)
  print(`lan dht        ${dhtLine(s.dht.lan)}`)
  print(`public dht     ${dhtLine(s.dht.public)}`)
  print(`files          ${s.files}`)
  print(`storage used   ${formatBytes(s.storageBytes)}`)
  if (s.inPlace != null && s.inPlace.files > 0) print(`in place       ${inPlaceLine(s.inPlace)}`)
  print(`serving        ${s.exchange.sessions} session(s)`)
  discoveryLines(s.discovery).forEach(print)
  print(`key grants     ${s.keys.grants} made, ${s.keys.pendingDeliveries} waiting for delivery; ${s.keys.inbox} received`)
  if (s.replication != null) print(`replicas       ${replicationLine(s.replication)}`)
}

export function reachabilityLines (r: ReachabilityStatus): string[] {
  const list = (label: string, addrs: string[]): string[] => addrs.map((a, i) => `${i === 0 ? label : '               '}${a}`)
  return [
    `reachability   ${REACHABILITY_WORDS[r.reachability]}`,
    `  why          ${r.reason}`,
    ...list('public addr    ', r.publicAddresses),
    ...list('mapped addr    ', r.mappedAddresses),
    ...list('relay addr     ', r.relayAddresses),
    ...list('unverified     ', r.unverifiedAddresses),
    `autonat        ${autonatSummary(r.autonat)}`,
    `upnp           ${reachabilityPolicySummary(r)}`,
    `relay server   ${relayServerSummary(r.relayServer)}`
  ]
}

/** The addresses a browser can dial, each with its transport and scope; one line saying so when there are none */
export function browserLines (b: BrowserAddresses): string[] {
  if (b.addresses.length === 0) return ['browser addr   none (listen on webrtc-direct, or --ws-port)']
  return b.addresses.map((a, i) => `${i === 0 ? 'browser addr  ' : '              '} ${`${a.transport}${a.relayed ? ' (relayed)' : ''}`.padEnd(24)}${a.scope.padEnd(9)}${a.address}`)
}

function dhtLine (d: DhtStatus): string {
  return `${d.mode} mode, ${d.routingTableSize} peer(s) in routing table (${d.protocol})`
}

function discoveryLines ({ offers, authors, tombstones, gossip, lastPull, searchIndex }: DiscoveryStatus, now = Date.now()): string[] {
  return [
    `offers         ${offers.own} own, ${offers.cached} cached; ${authors} author(s) known, ${tombstones} tombstone(s)`,
    `gossip         ${gossip.topicPeers} peer(s) on the announcement topic, ${gossip.pending} own announcement(s) waiting`,
    `catalog pull   ${lastPull == null ? 'none yet' : `${lastPull.peer}, ${formatDuration(Math.max(0, now - lastPull.at) / 1000)} ago`}`,
    `search index   ${searchIndex.built ? `${searchIndex.contentIds} content id(s)` : 'building'}`
  ]
}

/** The storage offered to other peers' replicas: none, or used of offered */
function replicationLine (r: NonNullable<NodeStatus['replication']>): string {
  const offers = `${r.offersKnown} storage offers of other peers known`
  if (r.quotaBytes === 0) return `no storage offered (--replication-quota); ${offers}`
  return `${r.replicas} held, ${formatBytes(r.usedBytes)} used of ${formatBytes(r.quotaBytes)} offered; ${offers}`
}

/** Files served from where they are on disk: how many, their bytes not copied into the repo, and those withdrawn */
function inPlaceLine ({ files, bytes, withdrawn }: NonNullable<NodeStatus['inPlace']>): string {
  const line = `${files} file(s), ${formatBytes(bytes)} served from where they are (not copied into the repo)`
  return withdrawn === 0 ? line : `${line}; ${withdrawn} changed or gone, not served (see ls)`
}
