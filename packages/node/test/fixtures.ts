/** Helpers for tests that run real nodes on 127.0.0.1 in temporary repos */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { type KadDHTInit, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { Manifest } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import type { TransferStore } from '../src/download/transfer-store.js'
import { DEFAULTS, type NodeInit, PeershareNode } from '../src/index.js'

export const LOOPBACK_TCP = ['/ip4/127.0.0.1/tcp/0']

export interface TestDir {
  path: string
  cleanup(): Promise<void>
}

/** A manifest of `bytes` cut into `chunkSize`-byte chunks, as a sharer makes it */
export function manifestOf (bytes: Uint8Array, chunkSize: number): Manifest {
  const chunks = Array.from({ length: Math.ceil(bytes.byteLength / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize))
  return { version: 1, size: bytes.byteLength, chunkSize, chunkHashes: chunks.map(c => createHash('sha256').update(c).digest()), sha256: createHash('sha256').update(bytes).digest() }
}

export async function tempDir (prefix = 'peershare-test-'): Promise<TestDir> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** A started node with its own temporary repo and default DHT settings (the LAN DHT serves 127.0.0.1) */
export async function startTestNode (dir: string, init: NodeInit = {}): Promise<PeershareNode> {
  const node = await PeershareNode.create({ repo: dir, listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000, ...init })
  await node.start()
  return node
}

/** The store of a node's download states, for a test to hold a save or a checkpoint at a chosen moment */
export function transferStoreOf (node: PeershareNode): TransferStore {
  return (node.transfers as unknown as { components: { transfers: TransferStore } }).components.transfers
}

/** A stock js-libp2p node on 127.0.0.1 (none of peershare's code) speaking Kademlia under the peershare LAN DHT's protocol id */
export async function stockKadNode (dht: Pick<KadDHTInit, 'clientMode'>) {
  return createLibp2p({
    addresses: { listen: LOOPBACK_TCP },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: DEFAULTS.lanDhtProtocol, peerInfoMapper: passthroughMapper, ...dht })
    }
  })
}

/** Writes `size` random bytes (in 1 MiB pieces, so memory stays flat) and returns the path */
export async function randomFile (dir: string, name: string, size: number): Promise<string> {
  const path = join(dir, name)
  const piece = 1024 * 1024
  const parts: Buffer[] = []
  for (let done = 0; done < size; done += piece) parts.push(randomBytes(Math.min(piece, size - done)))
  await writeFile(path, parts)
  return path
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const part of createReadStream(path)) hash.update(part as Buffer)
  return hash.digest('hex')
}

/** The node's first TCP address with its peer id */
export function dialAddress (node: PeershareNode): string {
  const addr = node.addresses.find(a => a.toString().includes('/tcp/'))
  if (addr == null) throw new Error('node has no TCP address')
  return addr.toString()
}

/** A node's LAN DHT: on 127.0.0.1 the public one (public addresses only) stays empty */
export function lanDht (node: PeershareNode): PeershareNode['dhts'][number] {
  const lan = node.dhts.find(d => d.name === 'lan')
  if (lan == null) throw new Error('node has no LAN DHT')
  return lan
}

/** Polls `condition` until it holds; fails after `timeoutMs` (tests wait on conditions, never fixed sleeps) */
export async function until (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what?: string): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(what == null ? 'condition not met in time' : `timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/**
 * Runs `fn` with a tmpfs of `size` (2 MiB unless told) mounted at `<dir>/small-disk`, to
 * fill a disk for real. Returns false (and runs nothing) where mounting is not allowed (needs root).
 */
export async function withSmallDisk (dir: string, fn: (mnt: string) => Promise<void>, size = '2m'): Promise<boolean> {
  const mnt = join(dir, 'small-disk')
  await mkdir(mnt, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { stdio: 'ignore' })
  } catch {
    return false
  }
  try {
    await fn(mnt)
  } finally {
    execFileSync('umount', [mnt])
  }
  return true
}

/** The SHA-256 (hex) of the first `bytes` that arrive on `stream`; rejects if it ends or closes first */
export async function sha256OfArrival (stream: Stream, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  let received = 0
  await new Promise<void>((resolve, reject) => {
    stream.addEventListener('message', (evt) => {
      const data = evt.data.subarray()
      hash.update(data.subarray(0, bytes - received))
      received = Math.min(bytes, received + data.byteLength)
      if (received === bytes) resolve()
    })
    const short = (): void => { if (received < bytes) reject(new Error(`stream ended after ${received} of ${bytes} bytes`)) }
    stream.addEventListener('remoteCloseWrite', short)
    stream.addEventListener('close', (evt) => { if (evt.error != null) reject(evt.error); else short() })
  })
  return hash.digest('hex')
}

/** Flips one bit of the byte at `offset` in place (bit rot: size and mtime stay as they were, so only a chunk's hash can tell) */
export async function flipByte (path: string, offset: number): Promise<void> {
  const before = await stat(path)
  const handle = await open(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    await handle.read(byte, 0, 1, offset)
    byte[0] ^= 0x10
    await handle.write(byte, 0, 1, offset)
    await handle.utimes(before.atime, before.mtime)
  } finally {
    await handle.close()
  }
}
