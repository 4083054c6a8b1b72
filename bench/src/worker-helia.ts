/**
 * A Helia node in its own process, with libp2p configured explicitly on the stack
 * peershare uses (TCP + TLS, noise as the fallback, + yamux with peershare's stream window, identify) and
 * nothing else: no bootstrap list, no mDNS, no DHT, no HTTP gateways or delegated
 * routing, so it only ever talks to the peers the bench names. Roles:
 *   provider <file>  imports the file (UnixFS, 1 MiB chunks, raw leaves) into a
 *                    memory blockstore, reports its address and the root CID
 *   fetcher <dir>    on 'fetch': dials the providers and cats the CID to a file on
 *                    disk (blocks in a blockstore-fs under <dir>), hashing as it goes;
 *                    timed from the request to the synced file
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULTS, peershareEncrypters, peershareMuxer } from '@peershare/node'
import { FsBlockstore } from 'blockstore-fs'
import { createHeliaLight } from 'helia'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { PIECE } from './protocol.js'
import { now, phase, RssSampler, receive, runWorker, send } from './worker-ipc.js'

const rss = new RssSampler()

async function createNode (blockstore?: FsBlockstore) {
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore }), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: peershareEncrypters(),
    // peershare's windows, but yamux's stock unbounded write buffer: bitswap writes without
    // waiting for drain and would be aborted by peershare's write buffer limit
    streamMuxers: [peershareMuxer({ ...DEFAULTS.muxer, maxWriteBufferBytes: Number.POSITIVE_INFINITY })],
    peerDiscovery: [],
    services: { identify: identify() }
  }))
  await helia.start()
  // the bench stays on 127.0.0.1: say so loudly if anything else is ever dialled
  helia.libp2p.addEventListener('connection:open', (evt) => {
    const addr = evt.detail.remoteAddr.toString()
    if (!addr.startsWith('/ip4/127.0.0.1/')) process.stderr.write(`helia worker: unexpected connection to ${addr}\n`)
  })
  return helia
}

runWorker(async ([role, path]) => {
  if (role === 'provider') await provider(path)
  else if (role === 'fetcher') await fetcher(path)
  else throw new Error(`unknown helia role '${role}'`)
})

async function provider (file: string): Promise<void> {
  const helia = await createNode()
  try {
    const cid = await unixfs(helia).addByteStream(createReadStream(file, { highWaterMark: PIECE }), {
      chunker: fixedSize({ chunkSize: PIECE }),
      rawLeaves: true,
      cidVersion: 1
    })
    const addr = helia.libp2p.getMultiaddrs().find(a => a.toString().includes('/tcp/'))
    if (addr == null) throw new Error('provider has no TCP address')
    await phase.start()
    send({ type: 'ready', addr: addr.toString(), fileId: cid.toString() })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
    await phase.stop()
  } finally {
    await helia.stop()
  }
}

async function fetcher (dir: string): Promise<void> {
  const helia = await createNode(new FsBlockstore(join(dir, 'blocks')))
  try {
    send({ type: 'ready' })
    const msg = await receive()
    if (msg.type !== 'fetch') throw new Error(`fetcher expected 'fetch', got '${msg.type}'`)
    const signal = AbortSignal.timeout(msg.timeoutMs)
    await phase.start()
    const start = now()
    const providers = msg.providers.map(p => multiaddr(p))
    await Promise.all(providers.map(async p => helia.libp2p.dial(p, { signal })))
    const file = await open(msg.output, 'wx')
    const hash = createHash('sha256')
    let bytes = 0
    try {
      for await (const buf of unixfs(helia).cat(CID.parse(msg.cid), { signal, providers })) {
        hash.update(buf)
        let written = 0
        while (written < buf.byteLength) written += (await file.write(buf, written, buf.byteLength - written, bytes + written)).bytesWritten
        bytes += buf.byteLength
      }
      await file.sync()
    } catch (err: any) {
      // bitswap reports an abort as "Failed to load block": name the real cause
      if (signal.aborted) throw new Error(`timed out after ${msg.timeoutMs / 1000} s with ${(bytes / PIECE).toFixed(0)} MiB received`)
      throw err
    } finally {
      await file.close()
    }
    const seconds = (now() - start) / 1000
    await phase.stop()
    send({ type: 'done', seconds, bytes, sha256: hash.digest('hex'), peakRss: rss.stop() })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  } finally {
    await helia.stop()
  }
}
