import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { chunkLength, chunkOffset } from '@peershare/protocol'
import type { PeershareNode, TransferProgress } from '../src/index.js'
import { type Lie, startLyingPeer } from './lying-peer.js'
import { randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'
import { metricOf } from './metric-values.js'

describe('a lying peer is detected', function () {
  this.timeout(60_000)
  let dir: TestDir
  let honest: PeershareNode
  let getter: PeershareNode
  let liar: Libp2p | undefined
  let fileId: string
  let chunks: Uint8Array[]

  before(async () => {
    dir = await tempDir()
    honest = await startTestNode(join(dir.path, 'honest'))
    getter = await startTestNode(join(dir.path, 'getter'))
    const src = await randomFile(dir.path, 'src.bin', 5 * 1024 * 1024 + 123)
    fileId = (await honest.share(src)).fileId
    const stored = await honest.store.get(fileId)
    const bytes = await readFile(src)
    const manifest = stored!.manifest
    chunks = manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(manifest, i), chunkOffset(manifest, i) + chunkLength(manifest, i)))
  })

  afterEach(async () => {
    await liar?.stop()
    liar = undefined
  })

  after(async () => {
    await getter?.stop()
    await honest?.stop()
    await dir?.cleanup()
  })

  /** Downloads from the liar alone: the download must stall with every source banned, nothing unverified kept */
  async function stallOnLiar (lie: Lie, outName: string): Promise<TransferProgress> {
    const stored = await honest.store.get(fileId)
    liar = await startLyingPeer(stored!, chunks, lie)
    const out = join(dir.path, 'out', outName)
    const transfer = await getter.download(fileId, { from: liar.getMultiaddrs()[0], output: out })
    let last = transfer.progress()
    await until(() => {
      last = transfer.progress()
      return last.state === 'stalled' && last.stallReason === 'all-banned'
    }, 30_000)
    // nothing unverified reaches the user: no output, and no corrupted byte in the partial file
    await assert.rejects(stat(out), { code: 'ENOENT' })
    const partial = await readFile(`${out}.peershare-partial`).catch(() => Buffer.alloc(0))
    if (partial.byteLength > 0) {
      const at = chunks[0].byteLength * 3
      assert.notEqual(partial[at], chunks[3][0] ^ 0xff, 'the corrupted byte was not written')
    }
    assert.equal(await getter.store.has(fileId), false)
    // a stalled download waits for a better source; drop it so the next test starts afresh
    await getter.transfers.cancel(fileId)
    return last
  }

  it('rejects a corrupted chunk, bans the peer and stalls: all sources banned', async () => {
    const failures = await metricOf(getter, 'peershare_chunk_verify_failures_total')
    const bans = await metricOf(getter, 'peershare_peer_bans_total', { reason: 'bad-chunks' })
    const progress = await stallOnLiar({ kind: 'corrupt-chunk', index: 3 }, 'corrupt.bin')
    assert.deepEqual(progress.banned, [liar!.peerId.toString()])
    assert.equal(await metricOf(getter, 'peershare_peer_bans_total', { reason: 'bad-chunks' }) - bans, 1, 'one ban counted (metrics)')
    assert.equal(await metricOf(getter, 'peershare_chunk_verify_failures_total') - failures, getter.config.transfer.maxStrikes, 'a failure per strike')
    assert.ok(progress.stallMessage?.includes(liar!.peerId.toString()), 'the reason names the peer')
  })

  it('bans a peer whose manifest does not match the file id', async () => {
    const bans = await metricOf(getter, 'peershare_peer_bans_total', { reason: 'bad-offer' })
    const progress = await stallOnLiar({ kind: 'wrong-manifest' }, 'manifest.bin')
    assert.deepEqual(progress.banned, [liar!.peerId.toString()])
    assert.equal(await metricOf(getter, 'peershare_peer_bans_total', { reason: 'bad-offer' }) - bans, 1, 'one ban counted (metrics)')
    assert.equal(progress.bytesTotal, null, 'no manifest was accepted')
  })

  it('still downloads from an honest peer afterwards, banning the liar', async () => {
    const stored = await honest.store.get(fileId)
    liar = await startLyingPeer(stored!, chunks, { kind: 'corrupt-chunk', index: 3 })
    const out = join(dir.path, 'out', 'honest.bin')
    // the honest node is known through the DHT; the liar is named directly
    await getter.connect(honest.addresses[0])
    await honest.index.provide({ fileId, sha256: (await honest.store.get(fileId))!.record.sha256 })
    const transfer = await getter.download(fileId, { from: liar.getMultiaddrs()[0], output: out })
    await transfer.done()
    assert.deepEqual(await readFile(out), Buffer.concat(chunks))
  })
})
