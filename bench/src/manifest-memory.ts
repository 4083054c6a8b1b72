/**
 * What accepting the largest manifest the protocol allows costs a downloader:
 *
 *   node bench/dist/src/manifest-memory.js [chunks]     (default: MAX_CHUNKS)
 *
 * A provider in a child process (so its own buffers are not counted) offers a valid
 * manifest of `chunks` random chunk hashes at the default chunk size; a real
 * PeershareNode downloads it until the manifest is adopted (verified, saved, partial
 * file created), then cancels. Printed: the growth of the downloader process's peak
 * RSS (`maxRSS`) and its heap retained after GC. A figure, not an assertion.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { PeershareNode } from '@peershare/node'
import {
  DEFAULT_CHUNK_SIZE,
  EXCHANGE_PROTOCOL,
  MANIFEST_VERSION,
  MAX_CHUNKS,
  encodeManifest,
  encodeMessage,
  fileIdFromManifestBytes,
  formatFileId
} from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { encode as varintEncode, encodingLength } from 'uint8-varint'

const MiB = 1024 * 1024

async function provider (chunks: number): Promise<void> {
  const all = randomBytes(chunks * 32)
  const chunkHashes = Array.from({ length: chunks }, (_, i) => all.subarray(i * 32, i * 32 + 32))
  const manifest = encodeManifest({ version: MANIFEST_VERSION, size: chunks * DEFAULT_CHUNK_SIZE, chunkSize: DEFAULT_CHUNK_SIZE, chunkHashes, sha256: randomBytes(32) })
  const fileId = await fileIdFromManifestBytes(manifest)
  const offer = encodeMessage({ type: 'offer', fileId, manifest, metadata: { name: 'huge.bin', mimeType: '', description: '', tags: [], created: 0 } })
  const prefix = new Uint8Array(encodingLength(offer.byteLength))
  varintEncode(offer.byteLength, prefix)
  const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  await node.handle(EXCHANGE_PROTOCOL, (stream) => {
    // answer the first bytes (the Want) with the Offer; ignore everything after
    stream.addEventListener('message', () => {
      if (offer.byteLength === 0) return
      stream.send(prefix)
      stream.send(offer)
    }, { once: true })
  })
  await node.start()
  console.log(JSON.stringify({ addr: node.getMultiaddrs()[0].toString(), fileId: formatFileId(fileId), bytes: offer.byteLength }))
}

async function downloader (chunks: number): Promise<void> {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'provider', String(chunks)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const dir = await mkdtemp(join(tmpdir(), 'peershare-manifest-'))
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve)
      child.once('exit', code => { reject(new Error(`provider exited with ${code}`)) })
    })
    const { addr, fileId, bytes } = JSON.parse(line)
    const node = await PeershareNode.create({ repo: join(dir, 'repo'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    await node.start()
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const peakBefore = process.resourceUsage().maxRSS * 1024
    const t0 = Date.now()
    const transfer = await node.download(fileId, { from: multiaddr(addr), output: join(dir, 'huge.bin') })
    while (transfer.progress().bytesTotal == null) {
      if (Date.now() - t0 > 120_000) throw new Error(`not adopted: ${transfer.progress().stallMessage}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const took = Date.now() - t0
    const peak = process.resourceUsage().maxRSS * 1024 - peakBefore
    gc()
    const retained = process.memoryUsage().heapUsed - heapBefore
    console.log(`manifest of ${chunks} chunks (Offer ${(bytes / MiB).toFixed(1)} MiB) accepted in ${took} ms: peak RSS +${(peak / MiB).toFixed(0)} MiB, heap retained +${(retained / MiB).toFixed(0)} MiB`)
    await node.transfers.cancel(fileId)
    await node.stop()
  } finally {
    child.kill()
    await rm(dir, { recursive: true, force: true })
  }
}

const [role, count] = process.argv.slice(2)
if (role === 'provider') await provider(Number(count))
else await downloader(Number(role ?? MAX_CHUNKS))
