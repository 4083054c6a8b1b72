import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readableContent, verifiedContent } from '../src/download/content-stream.js'
import type { PeershareNode } from '../src/index.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir } from './fixtures.js'

const MiB = 1024 * 1024

/**
 * `get -o -` of files whose chunks are larger than the pieces a read on the hash thread
 * hands out (256 KiB): a chunk is one item of `verifiedContent` however it is cut, and
 * an encrypted file's chunk is decrypted whole (its tag covers all of it)
 */
describe('what get -o - reads, at the default chunk size of 1 MiB', function () {
  this.timeout(120_000)
  let dir: TestDir
  let node: PeershareNode
  let src: string

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'node'))
    src = await randomFile(dir.path, 'three and a bit.bin', 3 * MiB + 4321)
  })

  after(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  const sources = (): Parameters<typeof readableContent>[0] => ({ store: node.store, transfers: node.transfers, keys: { fileKeys: node.fileKeys } })

  it('a plain file: one item a chunk, and the bytes in order', async () => {
    const record = await node.share(src)
    const chunks = []
    for await (const chunk of verifiedContent(sources(), record.fileId, AbortSignal.timeout(30_000))) chunks.push(chunk)
    assert.deepEqual(chunks.map(c => c.byteLength), [MiB, MiB, MiB, 4321])
    const hash = createHash('sha256')
    for await (const part of readableContent(sources(), record.fileId, AbortSignal.timeout(30_000))) hash.update(part)
    assert.equal(hash.digest('hex'), await sha256File(src))
  })

  it('a file it encrypted for someone: decrypted chunk by chunk to the plaintext', async () => {
    const recipient = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const record = await node.share(src, { to: [recipient] })
    const hash = createHash('sha256')
    for await (const part of readableContent(sources(), record.fileId, AbortSignal.timeout(30_000))) hash.update(part)
    assert.equal(hash.digest('hex'), await sha256File(src))
  })
})
