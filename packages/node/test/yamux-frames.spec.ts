import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { YAMUX_MAX_FRAME_BYTES } from '../src/transports/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

const MiB = 1024 * 1024

describe('yamux frames (real nodes on 127.0.0.1)', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode
  const handleData = YamuxStream.prototype.handleData
  /** the largest data frame any stream of this process received */
  let largest = 0

  before(async () => {
    // observes the library's frames as they arrive; every frame still goes to the library
    YamuxStream.prototype.handleData = function (this: YamuxStream, frame: Parameters<YamuxStream['handleData']>[0]): void {
      largest = Math.max(largest, frame.header.length)
      handleData.call(this, frame)
    }
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
  })

  after(async () => {
    YamuxStream.prototype.handleData = handleData
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  it('stay within YAMUX_MAX_FRAME_BYTES once the stream window has grown to MiBs', async () => {
    const source = await randomFile(dir.path, 'f.bin', 32 * MiB)
    const shared = await sharer.share(source)
    const out = join(dir.path, 'out.bin')
    await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
    assert.deepEqual(await readFile(out), await readFile(source))
    // whole chunks went out back to back: uncapped, the library sent each window in one frame of MiBs
    assert.ok(largest > 64 * 1024, `frames seen: the largest ${largest} bytes`)
    assert.ok(largest <= YAMUX_MAX_FRAME_BYTES, `a frame of ${largest} bytes`)
  })
})
