import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DEFAULT_CHUNK_SIZE } from '@peershare/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir } from './fixtures.js'

describe('share and get between two nodes over TCP', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
  })

  after(async () => {
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  const sizes: Array<[string, number]> = [
    ['0 B', 0],
    ['1 B', 1],
    ['chunk - 1', DEFAULT_CHUNK_SIZE - 1],
    ['chunk', DEFAULT_CHUNK_SIZE],
    ['chunk + 1', DEFAULT_CHUNK_SIZE + 1],
    ['64 MiB', 64 * 1024 * 1024]
  ]

  for (const [label, size] of sizes) {
    it(`transfers ${label} byte-identically`, async () => {
      const src = await randomFile(dir.path, `src-${size}.bin`, size)
      const shared = await sharer.share(src)
      assert.equal(shared.size, size)
      const out = join(dir.path, `out-${size}.bin`)
      const got = await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
      assert.equal(got.fileId, shared.fileId)
      assert.equal(await sha256File(out), await sha256File(src))
      assert.equal(got.sha256, await sha256File(src))
    })
  }
})
