/** `peershare daemon`: run a node and its control API in the foreground until SIGINT or SIGTERM */
import { type IsolatedStatus, type NodeInfo, type TransferProgress, isolationSummary } from '@peershare/client'
import type { DaemonInit } from '@peershare/node'
import type { Print } from '../context.js'
import { DaemonRunningError } from '../errors.js'

export interface DaemonCommandOptions {
  repo: string
  /** multiaddrs to listen on; the node's defaults when absent */
  listen?: string[]
  /** control API port on 127.0.0.1; a free one when absent */
  apiPort?: number
  /** WebSockets listener port on the TCP listeners' hosts (`--ws-port`; 0: a free one); absent: config.json's "wsPort", or none */
  wsPort?: number
  /** peers to join the swarm through (added to the config file's and PEERSHARE_BOOTSTRAP's) */
  bootstrap?: string[]
  dhtMode?: 'auto' | 'client' | 'server'
  /** false to not look for peers on the LAN (the daemon's default is on, or config.json's "mdns") */
  mdns?: boolean
  /** false to not map a port on the router by UPnP (`--no-upnp`; the daemon's default is on, or config.json's "upnp") */
  upnp?: boolean
  /** serve as a relay for others: auto (when publicly reachable), on, off (`--relay-server`; or config.json's "relay") */
  relayServer?: 'auto' | 'on' | 'off'
  /** bandwidth limits as text with units (e.g. 8MiB); absent ones come from the config file */
  limits?: { upload?: string, uploadPerPeer?: string, download?: string }
  /** false to send and ask for chunks uncompressed (`--no-compression`); absent: the config file's, or on */
  compression?: boolean
  /** storage offered to other peers' replicas, as text with units (e.g. 10GiB); 0 offers none; absent: config.json's "replication.quota", or 0 */
  replicationQuota?: string
  json?: boolean
}

/** A started daemon, as much of it as the command shows and stops */
export interface RunningDaemon {
  peerId: string
  addresses: string[]
  /** control API URL */
  api: string
  /** downloads restored from the repo at start: running ones resume, paused ones wait */
  downloads: TransferProgress[]
  /** damaged records set aside (quarantined) while it started */
  quarantined?: number
  /**
   * listens for the node finding itself connected to no peer after a round of dials
   * (with what it tried), and for its first peer after that (undefined); returns the unsubscribe
   */
  onIsolation?(listener: (isolated: IsolatedStatus | undefined) => void): () => void
  stop(): Promise<void>
}

export interface DaemonContext {
  print: Print
  /** the daemon already answering for `repo`, if any */
  findRunning(repo: string): Promise<NodeInfo | undefined>
  start(init: DaemonInit): Promise<RunningDaemon>
  /** settles (with the signal's name, or what asked it to stop) when the daemon should stop */
  stopSignal: Promise<string>
}

export async function daemon (options: DaemonCommandOptions, ctx: DaemonContext): Promise<void> {
  const { print } = ctx
  const running = await ctx.findRunning(options.repo)
  if (running != null) {
    throw new DaemonRunningError(`A daemon is already running for repo ${options.repo} (peer id ${running.peerId})`)
  }
  const node = await ctx.start({
    repo: options.repo,
    listen: options.listen,
    apiPort: options.apiPort,
    ...(options.wsPort == null ? {} : { wsPort: options.wsPort }),
    bootstrap: options.bootstrap,
    dhtMode: options.dhtMode,
    mdns: options.mdns,
    ...(options.upnp == null ? {} : { upnp: options.upnp }),
    ...(options.relayServer == null ? {} : { relay: { server: options.relayServer } }),
    ...(options.limits == null ? {} : { limits: options.limits }),
    ...(options.compression === false ? { exchange: { compression: false } } : {}),
    ...(options.replicationQuota == null ? {} : { replication: { quota: options.replicationQuota } })
  })
  try {
    const downloads = node.downloads.map(t => ({ fileId: t.fileId, name: t.name, output: t.output, state: t.state, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal }))
    if (options.json === true) {
      // one line, the first: scripts parse it
      const quarantined = (node.quarantined ?? 0) > 0 ? { quarantined: node.quarantined } : {}
      print(JSON.stringify({ peerId: node.peerId, addresses: node.addresses, api: node.api, downloads, ...quarantined }))
    } else {
      print(`peer id       ${node.peerId}`)
      node.addresses.forEach((address, i) => { print(`${i === 0 ? 'listening on ' : '             '} ${address}`) })
      print(`control API   ${node.api}`)
      print(`repo          ${options.repo}`)
      if ((node.quarantined ?? 0) > 0) print(`set aside     ${node.quarantined} damaged records (quarantined in the datastore; what they described is not listed)`)
      for (const t of downloads) print(`${t.state === 'paused' ? 'paused        ' : 'resuming      '}${t.name} (${done(t)}) to ${t.output}`)
      print('Running. Stop with Ctrl+C or `peershare stop`.')
    }
    // a newcomer whose bootstrap peers are down would otherwise just find nothing, silently
    const unwatch = options.json === true ? undefined : node.onIsolation?.(isolated => { print(isolationNotice(isolated)) })
    const signal = await ctx.stopSignal.finally(() => unwatch?.())
    if (options.json !== true) print(`Received ${signal}, stopping`)
  } finally {
    // whatever ends the command, the node stops: a failure here must not leave the repo locked and the process alive
    await node.stop()
  }
}

/** "42%", or the bytes held while the size is unknown */
function done (t: Pick<TransferProgress, 'bytesDone' | 'bytesTotal'>): string {
  if (t.bytesTotal == null) return 'size not known yet'
  return `${t.bytesTotal === 0 ? 100 : Math.floor((t.bytesDone * 100) / t.bytesTotal)}%`
}

/** One line when the node finds itself connected to no peer, and one when it has a peer again */
export function isolationNotice (isolated: IsolatedStatus | undefined): string {
  return isolated == null ? 'Connected to a peer again.' : `Connected to no peer: ${isolationSummary(isolated)}.`
}
