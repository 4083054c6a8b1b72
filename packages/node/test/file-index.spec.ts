import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import type { KadDHT } from '@libp2p/kad-dht'
import { type FileRef, MANIFEST_CODEC, bytesToHex, hexToBytes, parseFileId } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { FileIndex, type IndexDht } from '../src/dht/file-index.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** The LAN DHT of `node` (on 127.0.0.1 the one with peers) */
function lanDht (node: PeershareNode): PeershareNode['dhts'][number] {
  const lan = node.dhts.find(d => d.name === 'lan')
  if (lan == null) throw new Error('node has no LAN DHT')
  return lan
}

/** A file nobody else provides: a made-up file id and SHA-256 */
function unknownFile (): { fileId: string, sha256: string } {
  return { fileId: CID.createV1(MANIFEST_CODEC, Digest.create(0x12, randomBytes(32))).toString(), sha256: bytesToHex(randomBytes(32)) }
}

/** A file index of its own over `node`'s LAN DHT, each provide's events passed through `watch` */
function indexOver (node: PeershareNode, watch: (events: ReturnType<KadDHT['provide']>) => ReturnType<KadDHT['provide']>): FileIndex {
  const lan = lanDht(node)
  const dht: IndexDht['dht'] = {
    provide: (key, options) => watch(lan.dht.provide(key, options)),
    findProviders: (key, options) => lan.dht.findProviders(key, options),
    cancelReprovide: async key => lan.dht.cancelReprovide(key)
  }
  return new FileIndex({
    dhts: [{ name: 'lan', dht, routingTableSize: () => lan.routingTableSize() }],
    peerStore: node.libp2p.peerStore,
    peerId: node.peerId,
    log: logger('peershare:test:file-index'),
    concurrency: 1
  })
}

describe('the file index providing a file on a real DHT', function () {
  this.timeout(60_000)
  let dir: TestDir
  let sharer: PeershareNode
  let finder: PeershareNode

  before(async () => {
    dir = await tempDir()
    finder = await startTestNode(join(dir.path, 'finder'))
    sharer = await startTestNode(join(dir.path, 'sharer'), { bootstrap: [dialAddress(finder)] })
    await until(() => lanDht(sharer).routingTableSize() > 0 && lanDht(finder).routingTableSize() > 0, 30_000)
  })

  after(async () => {
    await Promise.allSettled([sharer?.stop(), finder?.stop()])
    await dir?.cleanup()
  })

  it('provides the file id and the SHA-256 at once, each found by another node', async () => {
    // counts the DHT provides running at once. With one other node in the swarm (fewer
    // than the 3 records a provide waits for) each provide runs to its end: one after
    // the other, never two were running
    let running = 0
    let most = 0
    async function * counted (events: ReturnType<KadDHT['provide']>): ReturnType<KadDHT['provide']> {
      running++
      most = Math.max(most, running)
      try {
        yield * events
      } finally {
        running--
      }
    }
    const index = indexOver(sharer, events => counted(events))
    const file = unknownFile()
    try {
      await index.provide(file)
    } finally {
      await index.stop()
    }
    assert.equal(most, 2, 'both keys were being provided at the same time')
    // kad-dht sends ADD_PROVIDER without waiting for an answer: the finder stores the records a moment later
    await until(() => lanDht(finder).providerRecords(sharer.peerId.toString()).peer === 2)
    const refs: FileRef[] = [{ kind: 'file-id', fileId: parseFileId(file.fileId) }, { kind: 'sha256', sha256: hexToBytes(file.sha256) }]
    for (const ref of refs) {
      const found = []
      for await (const peer of finder.index.findProviders(ref)) found.push(peer.id.toString())
      assert.deepEqual(found, [sharer.peerId.toString()], `found under ${ref.kind}`)
    }
  })

  it('a provide asked while the file\'s announcement runs waits for it: each key is walked once', async () => {
    let walks = 0
    const index = indexOver(sharer, events => { walks++; return events })
    const file = unknownFile()
    try {
      // as share() does: the announcement starts in the background, then a caller asks for the provide
      index.announce(file)
      await index.provide(file)
      assert.equal(walks, 2, 'one provide per key, not one for the announcement and one for the call')
      // after it, a provide walks again (a re-announcement is the caller's choice)
      await index.provide(file)
      assert.equal(walks, 4)
    } finally {
      await index.stop()
    }
  })

  it('whenAnnounced waits for the file\'s announcement, and once it stored the records answers at once, walking nothing', async () => {
    let walks = 0
    const index = indexOver(sharer, events => { walks++; return events })
    const file = unknownFile()
    try {
      await assert.rejects(index.whenAnnounced(file), RangeError, 'never announced')
      index.announce(file)
      await index.whenAnnounced(file)
      assert.equal(walks, 2, 'the announcement\'s walks, one per key')
      await index.whenAnnounced(file)
      assert.equal(walks, 2, 'no walk of its own')
      await index.withdraw(file)
      await assert.rejects(index.whenAnnounced(file), RangeError, 'forgotten once withdrawn')
    } finally {
      await index.stop()
    }
  })

  it('whenAnnounced rejects for an announcement withdrawn while queued, and for one stop() drops', async () => {
    const [first, withdrawn, dropped] = [unknownFile(), unknownFile(), unknownFile()]
    // one announcement at a time (concurrency 1): the second waits in the queue
    const index = indexOver(sharer, events => events)
    try {
      index.announce(first)
      index.announce(withdrawn)
      const wait = index.whenAnnounced(withdrawn)
      wait.catch(() => {})
      await index.withdraw(withdrawn)
      await index.whenAnnounced(first)
      await assert.rejects(wait, (err: Error) => err.name === 'AbortError' || err.name === 'AbortedError', 'withdrawn')
    } finally {
      await index.stop()
    }
    const stopping = indexOver(sharer, events => events)
    stopping.announce(first)
    stopping.announce(dropped)
    const dropWait = stopping.whenAnnounced(dropped)
    dropWait.catch(() => {})
    await stopping.stop()
    await assert.rejects(dropWait, (err: Error) => err.name === 'AbortedError', 'dropped by stop() while queued')
  })
})
