/**
 * The composition root with parts from outside (compose/): a node built from an
 * in-memory datastore and an in-memory blob store (no files for its content) exchanges
 * files over real TCP with a node built by the Node adapter.
 */
import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryDatastore } from 'datastore-core'
import { createPeershareLibp2p } from '../src/libp2p.js'
import { PeershareNode, resolveConfig } from '../src/index.js'
import { MemoryBlobStore } from './memory-blob-store.js'
import { LOOPBACK_TCP, type TestDir, dialAddress, randomFile, sha256File, startTestNode, tempDir } from './fixtures.js'

describe('a node composed from parts given from outside', function () {
  this.timeout(60_000)
  let dir: TestDir
  let blobs: MemoryBlobStore
  let composed: PeershareNode
  let normal: PeershareNode

  before(async () => {
    dir = await tempDir()
    blobs = new MemoryBlobStore()
    const config = resolveConfig({ repo: join(dir.path, 'composed'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
    composed = await PeershareNode.compose(config, { datastore: new MemoryDatastore(), blobs, privateKey: await generateKeyPair('Ed25519'), createLibp2p: createPeershareLibp2p })
    await composed.start()
    normal = await startTestNode(join(dir.path, 'normal'))
  })

  after(async () => {
    await composed?.stop()
    await normal?.stop()
    await dir?.cleanup()
  })

  it('keeps what it shares in the given blob store and serves it to a normal node over TCP', async () => {
    const src = await randomFile(dir.path, 'from-composed.bin', 3 * 1024 * 1024 + 517)
    const shared = await composed.share(src, { copy: true })
    assert.equal(blobs.blobs.get(shared.fileId)?.byteLength, shared.size)
    // nothing of the content went to a folder of the composed node
    await assert.rejects(access(join(dir.path, 'composed', 'blobs')), { code: 'ENOENT' })
    assert.deepEqual((await composed.files()).map(f => f.status), ['ok'])

    const got = await normal.get(shared.fileId, { from: multiaddr(dialAddress(composed)), output: join(dir.path, 'got-from-composed.bin') })
    assert.equal(await sha256File(join(dir.path, 'got-from-composed.bin')), await sha256File(src))
    assert.equal(got.fileId, shared.fileId)
  })

  it('hashes its blobs for verify, and forgets a removed file\'s blob', async () => {
    const src = await randomFile(dir.path, 'to-remove.bin', 300_000)
    const shared = await composed.share(src, { copy: true })
    assert.deepEqual((await composed.verify(shared.fileId)).map(v => v.status), ['ok'])
    await composed.remove(shared.fileId)
    assert.equal(blobs.blobs.has(shared.fileId), false)
  })

  it('downloads from a normal node to an output path, and refuses a download into the repo with NoBlobPathError', async () => {
    const src = await randomFile(dir.path, 'from-normal.bin', 2 * 1024 * 1024 + 3)
    const shared = await normal.share(src, { copy: true })
    const out = join(dir.path, 'got-from-normal.bin')
    await composed.get(shared.fileId, { from: multiaddr(dialAddress(normal)), output: out })
    assert.equal(await sha256File(out), await sha256File(src))

    const other = await normal.share(await randomFile(dir.path, 'to-hold.bin', 100_000), { copy: true })
    await assert.rejects(composed.hold(other.fileId, { from: multiaddr(dialAddress(normal)) }), { name: 'NoBlobPathError' })
    assert.equal(blobs.blobs.has(other.fileId), false)
  })
})
