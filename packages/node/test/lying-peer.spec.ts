import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { chunkLength, chunkOffset } from '@peershare/protocol'
import type { PeershareNode } from '../src/index.js'
import { type Lie, startLyingPeer } from './lying-peer.js'
import { randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

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
    getter = await startTestNode(join(dir.path, 'getter'), { transfer: { noSourceTimeout: 2000 } })
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

  async function getFromLiar (lie: Lie, outName: string): Promise<Error> {
    const stored = await honest.store.get(fileId)
    liar = await startLyingPeer(stored!, chunks, lie)
    const out = join(dir.path, 'out', outName)
    const err = await getter.get(fileId, { from: liar.getMultiaddrs()[0], output: out }).then(() => undefined, (e: Error) => e)
    assert.ok(err != null, 'the download must fail')
    // nothing unverified reaches the user: no output, and no corrupted byte in the partial file
    await assert.rejects(stat(out), { code: 'ENOENT' })
    const partial = await readFile(`${out}.peershare-partial`).catch(() => Buffer.alloc(0))
    if (partial.byteLength > 0) {
      const at = chunks[0].byteLength * 3
      assert.notEqual(partial[at], chunks[3][0] ^ 0xff, 'the corrupted byte was not written')
    }
    assert.equal(await getter.store.has(fileId), false)
    // a failed download keeps its state for a resume; drop it so the next test starts afresh
    await getter.transfers.cancel(fileId).catch(() => {})
    return err
  }

  it('rejects a corrupted chunk and names the peer', async () => {
    const err = await getFromLiar({ kind: 'corrupt-chunk', index: 3 }, 'corrupt.bin')
    assert.equal(err.name, 'PeerMisbehavedError')
    assert.ok(err.message.includes(liar!.peerId.toString()), 'the error names the peer')
  })

  it('rejects a manifest that does not match the file id and names the peer', async () => {
    const err = await getFromLiar({ kind: 'wrong-manifest' }, 'manifest.bin')
    assert.equal(err.name, 'PeerMisbehavedError')
    assert.ok(err.message.includes(liar!.peerId.toString()), `the error names the peer: ${err.message}`)
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
