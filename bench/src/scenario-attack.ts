/**
 * Scenario "attack" (a provider against hostile downloaders, issue 8). A provider
 * process shares a 64 MiB file with default settings; this process plays the
 * attackers, raw libp2p peers built from the real codecs:
 *   - never-reading streams: each sends Want and a Request for 64 chunks, then stops
 *     reading (its yamux window stays at 256 KiB); 32 streams on one connection, then
 *     8 connections (peer ids) of 32. Figures: the provider's peak RSS and unsent bytes
 *     against the documented budget (`exchange.maxUnsent*`), and how long until the write
 *     deadline freed every session (8 connections; the 1-connection attacker hangs up).
 *   - silent sessions: 10 peer ids open 32 sessions each and send nothing or only Want.
 *     Figure: an honest getter's download time with and without them.
 * Prints figures; never asserts timing.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULTS } from '@peershare/node'
import { EXCHANGE_PROTOCOL, encodeMessage, parseFileId } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { encode as varintEncode, encodingLength } from 'uint8-varint'
import { type BenchContext, checkReceived, formatTable, WORKERS } from './context.js'
import { MiB } from './options.js'
import { Worker } from './processes.js'
import { createRandomFile } from './random-file.js'

/** bytes as MiB with one decimal */
function mib (bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`
}

const FILE_SIZE = 64 * MiB
const STREAMS = 32
/** how long the never-reading streams are held before the figures are read */
const HOLD_MS = 5_000

export async function runAttack (ctx: BenchContext): Promise<void> {
  const dir = await mkdtemp(join(ctx.work, 'attack-'))
  const deadline = Date.now() + 300_000
  const source = { ...await createRandomFile(join(dir, 'file.bin'), FILE_SIZE), size: FILE_SIZE }
  const provider = new Worker('attack provider', WORKERS.peershare, ['sharer', join(dir, 'provider'), source.path], ctx.env('peershare-sharer', {}))
  const attackers: Libp2p[] = []
  try {
    const ready = await provider.next('ready', deadline)
    const addr = ready.addr as string
    const fileId = ready.fileId as string
    const baseline = (await provider.probe(deadline, true)).rss ?? 0
    const rows = [['never-reading streams', 'peak RSS', 'RSS over baseline', 'peak unsent', 'budget', 'all freed after']]
    for (const connections of [1, 8]) {
      const peers = await connected(connections, addr)
      attackers.push(...peers)
      await provider.probe(deadline, true)
      const t0 = Date.now()
      await Promise.all(peers.map(async peer => neverRead(peer, addr, fileId, STREAMS)))
      let peakUnsent = 0
      while (Date.now() - t0 < HOLD_MS) {
        peakUnsent = Math.max(peakUnsent, (await provider.probe(deadline)).exchange?.unsentBytes ?? 0)
        await sleep(100)
      }
      // the write deadline (exchange.requestTimeout) ends every session: wait for it on
      // the 8-connection run; the 1-connection run just hangs up (keeps the bench short)
      if (connections === 1) await Promise.all(peers.map(async peer => peer.stop()))
      let probe = await provider.probe(deadline)
      console.log(`  ${connections} connection(s) x ${STREAMS}: held for ${HOLD_MS / 1000} s; ${connections === 1 ? 'attacker hangs up' : 'waiting for the write deadline'}`)
      while ((probe.exchange?.sessions ?? 0) > 0 && Date.now() < deadline) {
        peakUnsent = Math.max(peakUnsent, probe.exchange?.unsentBytes ?? 0)
        await sleep(200)
        probe = await provider.probe(deadline)
      }
      const freedAfter = (Date.now() - t0) / 1000
      const peakRss = probe.peakRss ?? 0
      const budget = Math.min(DEFAULTS.exchange.maxUnsentBytes, connections * DEFAULTS.exchange.maxUnsentPerPeer)
      rows.push([`${connections} connection(s) x ${STREAMS}`, mib(peakRss), mib(peakRss - baseline), mib(peakUnsent), mib(budget), `${freedAfter.toFixed(1)} s`])
      await Promise.all(peers.map(async peer => peer.stop()))
    }
    console.log(`provider baseline RSS ${mib(baseline)}; ${STREAMS} streams per connection, each requesting 64 chunks of ${mib(DEFAULTS.chunkSize)}`)
    console.log(formatTable(rows))

    const honest = await honestGet(ctx, dir, 'alone', addr, fileId, source, deadline)
    const silent = await connected(10, addr)
    attackers.push(...silent)
    await Promise.all(silent.map(async peer => holdSilent(peer, addr, fileId, STREAMS)))
    // all on 127.0.0.1: let the per-host connection rate limit (5/s) pass before the getter dials
    await sleep(1500)
    const held = (await provider.probe(deadline)).exchange?.sessions ?? 0
    const attacked = await honestGet(ctx, dir, 'attacked', addr, fileId, source, deadline)
    console.log(formatTable([
      ['honest download of 64 MiB', 'seconds', 'provider sessions held by attackers'],
      ['alone', honest.toFixed(2), '0'],
      ['10 peer ids x 32 silent sessions', attacked.toFixed(2), `${held} (maxSessions ${DEFAULTS.exchange.maxSessions})`]
    ]))
  } finally {
    await Promise.all(attackers.map(async peer => peer.stop()))
    await provider.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** A raw peer whose yamux window stays at 256 KiB: a stream it stops reading takes no more */
async function rawPeer (): Promise<Libp2p> {
  const streamOptions = { maxStreamWindowSize: 256 * 1024, maxReadBufferLength: 64 * MiB }
  return createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux({ streamOptions })] })
}

/**
 * `count` raw peers, each connected to `addr`: one dial every 250 ms, since a node
 * refuses more than `inboundConnectionsPerHostPerSecond` (5) from one host
 */
async function connected (count: number, addr: string): Promise<Libp2p[]> {
  const peers: Libp2p[] = []
  for (let i = 0; i < count; i++) {
    const peer = await rawPeer()
    peers.push(peer)
    await peer.dial(multiaddr(addr))
    await sleep(250)
  }
  return peers
}

function frame (message: Uint8Array): Uint8ArrayList {
  const prefix = new Uint8Array(encodingLength(message.byteLength))
  varintEncode(message.byteLength, prefix)
  return new Uint8ArrayList(prefix, message)
}

/** Opens `count` streams that ask for 64 chunks each and never read a byte */
async function neverRead (peer: Libp2p, addr: string, fileId: string, count: number): Promise<Stream[]> {
  const streams = await Promise.all(Array.from({ length: count }, async () => peer.dialProtocol(multiaddr(addr), EXCHANGE_PROTOCOL)))
  for (const [i, stream] of streams.entries()) {
    stream.pause()
    stream.send(frame(encodeMessage({ type: 'want', fileId: parseFileId(fileId) })))
    const chunks = Array.from({ length: 64 }, (_, c) => (c + i) % 64)
    stream.send(frame(encodeMessage({ type: 'request', chunks, priority: 'normal' })))
  }
  return streams
}

/** Opens `count` sessions that say nothing (even) or only Want (odd) */
async function holdSilent (peer: Libp2p, addr: string, fileId: string, count: number): Promise<void> {
  const streams = await Promise.all(Array.from({ length: count }, async () => peer.dialProtocol(multiaddr(addr), EXCHANGE_PROTOCOL).catch(() => undefined)))
  for (const [i, stream] of streams.entries()) {
    if (stream != null && i % 2 === 1) stream.send(frame(encodeMessage({ type: 'want', fileId: parseFileId(fileId) })))
  }
}

async function honestGet (ctx: BenchContext, dir: string, label: string, addr: string, fileId: string, source: { path: string, sha256: string, size: number }, deadline: number): Promise<number> {
  const getter = new Worker(`attack getter ${label}`, WORKERS.peershare, ['getter', join(dir, `getter-${label}`)], ctx.env('peershare-getter', {}))
  try {
    await getter.next('ready', deadline)
    getter.send({ type: 'get', addr, fileId, output: join(dir, `out-${label}.bin`) })
    const done = await getter.next('done', deadline)
    checkReceived(`attack getter ${label}`, source, done)
    return done.seconds as number
  } finally {
    await getter.stop()
  }
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
