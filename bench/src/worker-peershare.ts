/**
 * A peershare node in its own process. Roles:
 *   sharer <repo> <file>  shares the file (encrypted for BENCH_SHARE_TO, a peer id, when
 *                         set), reports its address, file id and share time, waits for stop
 *   getter <repo>         reports its peer id; on 'get', times a download (dial to verified
 *                         file on disk) from the given address, and at once from every one
 *                         of `peers` if given; `hashOutput` reports the output's SHA-256;
 *                         `connectFirst` connects to them before the timed download
 */
import { multiaddr } from '@multiformats/multiaddr'
import { type FileRecord, PeershareNode } from '@peershare/node'
import { onProbe, phase, RssSampler, now, receive, runWorker, send } from './worker-ipc.js'
import { hashFile } from './random-file.js'

const rss = new RssSampler()

/** a sharer's announcement not stored by then is reported as null */
const JOIN_PROVIDE_TIMEOUT_MS = 60_000

/**
 * Connects to the other sharers and announces the file to them: a sharer joining the swarm
 * announces at once, and a timed download should find its sources past that work, as
 * sources that joined a swarm earlier are. Returns ms until enough peers stored the record.
 */
async function join (node: PeershareNode, record: FileRecord, peers: string[]): Promise<number | null> {
  const start = now()
  await Promise.all(peers.map(async peer => connectRetrying(node, peer)))
  try {
    await node.index.provide(record, AbortSignal.timeout(JOIN_PROVIDE_TIMEOUT_MS))
    return now() - start
  } catch {
    return null
  }
}

/**
 * Connects to `peer`, trying again a second later if it fails, up to 4 times. Every
 * process here is on 127.0.0.1, one host to the default `inboundConnectionsPerHostPerSecond`
 * (5): in a set of 8 sources the first sharers are dialled by 7 others at once, and the
 * connections past 5 in that second are refused (ECONNRESET, or "Encryption failed"
 * mid-handshake), which used to end the whole scenario. Peers on hosts of their own are
 * not limited so; the nodes keep the default, and the joins wait out the limit's second.
 * This is the swarm's setting-up, untimed; each retry is said on stderr.
 */
async function connectRetrying (node: PeershareNode, peer: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await node.connect(multiaddr(peer))
      return
    } catch (err: any) {
      if (attempt === 4) throw err
      process.stderr.write(`bench: connecting to ${peer} failed (${err.message}); trying again\n`)
      // past the limit's one-second window, spread apart so the retries do not meet again
      await new Promise(resolve => setTimeout(resolve, 1000 * attempt + Math.random() * 500))
    }
  }
}

/**
 * Time a connection's start-up work runs after it opens (identify both ways, DHT table
 * updates and the first self-query, catalog pulls, gossipsub subscriptions): measured at
 * 0.3 to 0.6 s on the bench's loopback with five processes on 2 cores; 2 s leaves it done
 */
const CONNECTION_SETTLE_MS = 2000

/** Connects to every source and lets each connection's start-up work end, untimed */
async function connectFirst (node: PeershareNode, peers: string[]): Promise<void> {
  await Promise.all(peers.map(async peer => connectRetrying(node, peer)))
  await new Promise(resolve => setTimeout(resolve, CONNECTION_SETTLE_MS))
}

runWorker(async ([role, repo, file]) => {
  // BENCH_NODE_INIT (from --node-init) lets a run try other settings
  const extra = JSON.parse(process.env.BENCH_NODE_INIT ?? '{}')
  const node = await PeershareNode.create({ ...extra, repo, listen: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()
  onProbe(reset => {
    if (reset) rss.reset()
    rss.sample()
    return { rss: process.memoryUsage.rss(), peakRss: rss.peak, exchange: node.exchange.stats() }
  })
  try {
    if (role === 'sharer') {
      const to = process.env.BENCH_SHARE_TO
      const shareStart = now()
      const record = await node.share(file, to == null ? {} : { to: [to] })
      const shareSeconds = (now() - shareStart) / 1000
      const addr = node.addresses.find(a => a.toString().includes('/tcp/'))
      if (addr == null) throw new Error('sharer has no TCP address')
      await phase.start()
      send({ type: 'ready', addr: addr.toString(), fileId: record.fileId, shareSeconds })
      const next = await receive()
      if (next.type === 'join') send({ type: 'joined', provideMs: await join(node, record, next.peers) })
      else if (next.type === 'stop') {
        await phase.stop()
        return
      }
      else throw new Error(`sharer expected 'join' or 'stop', got '${next.type}'`)
    } else if (role === 'getter') {
      send({ type: 'ready', peerId: node.peerId.toString() })
      const msg = await receive()
      if (msg.type !== 'get') throw new Error(`getter expected 'get', got '${msg.type}'`)
      if (msg.connectFirst === true) await connectFirst(node, msg.peers ?? [msg.addr])
      await phase.start()
      const start = now()
      // node.get() is download() + done(); the transfer is kept to read its per-source totals
      const transfer = await node.download(msg.fileId, { from: multiaddr(msg.addr), peers: msg.peers, output: msg.output })
      // the start-up: connections, manifest, first requests, until the first chunk is verified and written
      let firstChunkSeconds: number | null = transfer.isDone() ? (now() - start) / 1000 : null
      const unwatch = transfer.watch(() => { firstChunkSeconds ??= (now() - start) / 1000 })
      const record = await transfer.done()
      unwatch()
      const seconds = (now() - start) / 1000
      await phase.stop()
      const sourceStats = transfer.progress().sourceStats.map(({ peerId, bytes, chunks }) => ({ peerId, bytes, chunks }))
      const wireBytes = transfer.progress().wireBytesReceived
      // an encrypted download's record is the ciphertext's: what arrived at the output is hashed (after timing)
      const output = msg.hashOutput === true ? await hashFile(msg.output) : { bytes: record.size, sha256: record.sha256 }
      send({ type: 'done', seconds, firstChunkSeconds, ...output, peakRss: rss.stop(), atPeak: rss.atPeak, sourceStats, wireBytes })
    } else {
      throw new Error(`unknown peershare role '${role}'`)
    }
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
    await phase.stop()
  } finally {
    await node.stop()
  }
})
