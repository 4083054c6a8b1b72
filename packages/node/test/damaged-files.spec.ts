import assert from 'node:assert/strict'
import { open, rm, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { parseFileId } from '@peershare/protocol'
import { chunkMatches } from '../src/download/chunk-data.js'
import { verifiedContent } from '../src/download/content-stream.js'
import { FetchSession } from '../src/exchange/fetch-session.js'
import { readExactly } from '../src/fs-read.js'
import type { FileRecord, PeershareNode } from '../src/index.js'
import { type ChunkBytes, verifiedReader } from '../src/store/chunk-readers.js'
import { dialAddress, flipByte, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const CHUNK = 16 * 1024
/** strikes before a ban: 1, so a single bad chunk from the damaged node would get it banned */
const STRICT = { chunkSize: CHUNK, transfer: { maxStrikes: 1, stallRetryMax: 2000 } }

async function eventually (what: string, test: () => Promise<boolean>): Promise<void> {
  await until(test, 60_000, what)
}

/** Whether `node` lists itself as a provider of `fileId` in its own LAN DHT provider store */
async function providesLocally (node: PeershareNode, fileId: string): Promise<boolean> {
  for await (const event of node.libp2p.services.lanDht.findProviders(parseFileId(fileId), { signal: AbortSignal.timeout(5000) })) {
    if (event.name === 'PROVIDER' && event.from.equals(node.peerId)) return event.providers.some(p => p.id.equals(node.peerId as PeerId))
  }
  return false
}

async function statusOf (node: PeershareNode, fileId: string): Promise<string | undefined> {
  return (await node.files()).find(f => f.record.fileId === fileId)?.status
}

/** Asks `provider` for every chunk of the file in one raw session; true when each arrives and matches the manifest */
async function servesEveryChunk (getter: PeershareNode, provider: PeershareNode, fileId: string): Promise<boolean> {
  const signal = AbortSignal.timeout(20_000)
  const session = await FetchSession.open({ libp2p: getter.libp2p, limits: getter.config.exchange, dialTimeout: getter.config.dialTimeout }, multiaddr(dialAddress(provider)), { kind: 'file-id', fileId: parseFileId(fileId) }, signal)
  const count = session.manifest.chunkHashes.length
  await session.request(Array.from({ length: count }, (_, i) => i), 'normal', signal)
  for (let n = 0; n < count; n++) {
    const event = await session.nextEvent(signal)
    if (event.type !== 'chunk' || !chunkMatches(session.manifest, event.index, event.data)) return false
  }
  await session.complete()
  return true
}

describe('damaged and missing content: verify on read, withdraw, repair from the network (D5)', function () {
  this.timeout(180_000)
  let dir: TestDir
  let damaged: PeershareNode
  let honest: PeershareNode | undefined
  let getter: PeershareNode

  before(async () => {
    dir = await tempDir()
    damaged = await startTestNode(join(dir.path, 'damaged'), STRICT)
    getter = await startTestNode(join(dir.path, 'getter'), STRICT)
  })
  after(async () => {
    await getter?.stop()
    await honest?.stop()
    await damaged?.stop()
    await dir?.cleanup()
  })

  /** The honest node fetches the file from the sharer while it is whole, then goes offline */
  async function honestCopyThenOffline (fileId: string, name: string): Promise<void> {
    await honest?.stop()
    honest = await startTestNode(join(dir.path, 'honest'), STRICT)
    await honest.get(fileId, { from: multiaddr(dialAddress(damaged)), output: join(dir.path, name) })
    await honest.stop()
    honest = undefined
  }

  it('a flipped byte is never sent: the sharer refuses, is marked damaged and withdrawn, not banned; the getter completes from an honest node; the sharer repairs itself', async () => {
    const src = await randomFile(dir.path, 'flip.bin', 6 * CHUNK + 1000)
    const record = await damaged.share(src, { copy: true })
    await honestCopyThenOffline(record.fileId, 'honest-flip.bin')
    await eventually('the sharer to provide the file', async () => providesLocally(damaged, record.fileId))
    assert.equal(await statusOf(damaged, record.fileId), 'ok')

    await flipByte(damaged.store.blobPath(record.fileId), 3 * CHUNK + 5)
    // size and mtime unchanged: nothing tells until chunk 3 is read
    assert.equal(await statusOf(damaged, record.fileId), 'ok')

    // the getter's only source is the damaged sharer: it asks it for every chunk, chunk 3 included
    const output = join(dir.path, 'getter-flip.bin')
    const transfer = await getter.download(record.fileId, { from: multiaddr(dialAddress(damaged)), output })
    await eventually('the sharer to mark the file damaged', async () => (await statusOf(damaged, record.fileId)) === 'damaged')
    assert.equal(await providesLocally(damaged, record.fileId), false)
    // one bad chunk would have banned it (maxStrikes 1): it refused instead
    assert.deepEqual(transfer.progress().banned, [])
    // it is not offered any more, even when asked by id
    await assert.rejects(servesEveryChunk(getter, damaged, record.fileId), { name: 'FileNotFoundError' })

    // the honest node comes back: the getter completes from it, the sharer repairs from it
    honest = await startTestNode(join(dir.path, 'honest'), STRICT)
    await getter.download(record.fileId, { peers: [dialAddress(honest)] })
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
    assert.deepEqual(transfer.progress().banned, [])

    await eventually('the sharer to repair the file', async () => (await statusOf(damaged, record.fileId)) === 'ok')
    assert.equal(await sha256File(damaged.store.blobPath(record.fileId)), await sha256File(src))
    // what we knew of the file stays: its name from the share, no damage mark
    const repaired = await damaged.store.get(record.fileId)
    assert.equal(repaired?.record.metadata.name, 'flip.bin')
    assert.equal(repaired?.record.damaged, undefined)
    await eventually('the sharer to provide it again', async () => providesLocally(damaged, record.fileId))
    assert.equal(await servesEveryChunk(getter, damaged, record.fileId), true)
  })

  it('a deleted blob is missing, withdrawn and repaired when another node has the file', async () => {
    const src = await randomFile(dir.path, 'gone.bin', 4 * CHUNK + 10)
    const record = await damaged.share(src, { copy: true })
    await honestCopyThenOffline(record.fileId, 'honest-gone.bin')
    await eventually('the sharer to provide the file', async () => providesLocally(damaged, record.fileId))

    await rm(damaged.store.blobPath(record.fileId))
    assert.equal(await statusOf(damaged, record.fileId), 'missing')
    assert.equal(await providesLocally(damaged, record.fileId), false)
    await assert.rejects(servesEveryChunk(getter, damaged, record.fileId), { name: 'FileNotFoundError' })

    honest = await startTestNode(join(dir.path, 'honest'), STRICT)
    await eventually('the sharer to repair the file', async () => (await statusOf(damaged, record.fileId)) === 'ok')
    assert.equal(await sha256File(damaged.store.blobPath(record.fileId)), await sha256File(src))
    await eventually('the sharer to provide it again', async () => providesLocally(damaged, record.fileId))
    assert.equal(await servesEveryChunk(getter, damaged, record.fileId), true)
  })

  it('a file removed before its repair starts stays removed: the repair keeps nothing, leaves no blob and provides nothing', async () => {
    // the honest node holds the files and stays online, so a repair would complete
    honest = await startTestNode(join(dir.path, 'honest-rm'), STRICT)
    const shareCopied = async (name: string): Promise<FileRecord> => {
      const record = await damaged.share(await randomFile(dir.path, name, 4 * CHUNK + name.length), { copy: true })
      await honest?.get(record.fileId, { from: multiaddr(dialAddress(damaged)), output: join(dir.path, `honest-${name}`) })
      return record
    }
    const assertGone = async (record: FileRecord, what: string): Promise<void> => {
      await eventually(`${what}: the repair to end`, async () => damaged.transfers.get(record.fileId) == null)
      assert.equal(await damaged.store.has(record.fileId), false, `${what}: the removed file's record came back`)
      await assert.rejects(stat(damaged.store.blobPath(record.fileId)), { code: 'ENOENT' }, `${what}: a blob is left`)
      assert.equal(await providesLocally(damaged, record.fileId), false, `${what}: the removed file is provided`)
    }

    // a check holding the record from before the rm (a listing, a serve session) finds the blob gone
    const listed = await shareCopied('removed-listed.bin')
    await damaged.remove(listed.fileId)
    await damaged.health.check(listed)
    assert.equal(damaged.transfers.get(listed.fileId), undefined, 'no repair of a file no longer stored')
    await assertGone(listed, 'a check after the rm')

    // a repair asked just before the rm, created just after its check of downloads under way
    const asked = await shareCopied('removed-asked.bin')
    await damaged.remove(asked.fileId)
    const repair = await damaged.transfers.start({ kind: 'file-id', fileId: parseFileId(asked.fileId) }, { repair: true, peers: [dialAddress(honest)] })
    await repair.done()
    await assertGone(asked, 'a repair created after the rm')

    // ...unless the user asks for the file meanwhile: their get joins the repair, and the file is kept
    const wanted = await shareCopied('removed-wanted.bin')
    await damaged.remove(wanted.fileId)
    const repairing = await damaged.transfers.start({ kind: 'file-id', fileId: parseFileId(wanted.fileId) }, { repair: true, peers: [dialAddress(honest)] })
    const output = join(dir.path, 'removed-wanted-copy.bin')
    const got = await damaged.get(wanted.fileId, { peers: [dialAddress(honest)], output })
    assert.equal(repairing.repair, false, 'the user\'s get took the repair over')
    assert.equal(await damaged.store.has(wanted.fileId), true)
    assert.equal(await sha256File(damaged.store.contentPath(got)), wanted.sha256)
    // the repair went into the repo: the user's get has its own copy where it asked
    assert.equal(await sha256File(output), wanted.sha256)
  })

  it('a chunk damaged in a partial file is refused to a peer, forgotten and fetched again; both downloads complete', async () => {
    const src = await randomFile(dir.path, 'partial.bin', 10 * CHUNK)
    const sharerRepo = join(dir.path, 'partial-sharer')
    let sharer = await startTestNode(sharerRepo, STRICT)
    // a slow first downloader: 4 chunks at once (the limiter's burst), then one a second
    const first = await startTestNode(join(dir.path, 'partial-first'), { ...STRICT, limits: { download: CHUNK } })
    const second = await startTestNode(join(dir.path, 'partial-second'), STRICT)
    try {
      const record = await sharer.share(src)
      const output = join(dir.path, 'partial-first.bin')
      const slow = await first.download(record.fileId, { from: multiaddr(dialAddress(sharer)), output })
      await eventually('the first downloader to hold some chunks', async () => slow.holds(0) && slow.holds(1) && !slow.isDone())
      await sharer.stop()
      await flipByte(`${output}.peershare-partial`, 5)

      // the second asks the first, which serves its partial file: chunk 0 is refused, not sent
      const fast = await second.download(record.fileId, { from: multiaddr(dialAddress(first)), output: join(dir.path, 'partial-second.bin') })
      await eventually('the first downloader to forget its damaged chunk', async () => !slow.holds(0))
      assert.deepEqual(fast.progress().banned, [])

      sharer = await startTestNode(sharerRepo, STRICT)
      await first.download(record.fileId, { peers: [dialAddress(sharer)] })
      await second.download(record.fileId, { peers: [dialAddress(sharer)] })
      await slow.done()
      await fast.done()
      assert.equal(await sha256File(output), await sha256File(src))
      assert.equal(await sha256File(join(dir.path, 'partial-second.bin')), await sha256File(src))
      assert.deepEqual(fast.progress().banned, [])
    } finally {
      await second.stop()
      await first.stop()
      await sharer.stop().catch(() => {})
    }
  })

  it('a read after the session closed its reader is an error, not damage; a short file is damage', async () => {
    const record = await damaged.share(await randomFile(dir.path, 'closing.bin', 3 * CHUNK), { copy: true })
    const stored = await damaged.store.get(record.fileId)
    assert.ok(stored != null)
    const reported: number[] = []
    const opened = await damaged.store.openReader(stored)
    assert.ok(opened != null)
    const reader = verifiedReader(opened, stored.manifest, index => { reported.push(index) })
    assert.equal((await reader.read(1)).byteLength, CHUNK)
    await reader.close()
    // a session that ended closes its reader while a write may still be waiting to read
    await assert.rejects(reader.read(2), (err: any) => err.name !== 'ChunkDamagedError')
    assert.equal(reported.length, 0)
    assert.equal(await statusOf(damaged, record.fileId), 'ok')

    await truncate(damaged.store.blobPath(record.fileId), 2 * CHUNK + 10)
    const short = await open(damaged.store.blobPath(record.fileId), 'r')
    const shortReader = verifiedReader({ read: async (i) => readExactly(short, CHUNK, i * CHUNK), close: async () => { await short.close() } }, stored.manifest, index => { reported.push(index) })
    await assert.rejects(shortReader.read(2), { name: 'ChunkDamagedError', code: 'ERR_CHUNK_DAMAGED' })
    await shortReader.close()
    assert.deepEqual(reported, [2])
    // a blob of the wrong size is damaged, found by the cheap check alone
    assert.equal(await statusOf(damaged, record.fileId), 'damaged')
  })

  it('get -o - stops at a damaged chunk; verify hashes every chunk: a damaged file is marked (kept across a restart), a clean one stays ok', async () => {
    const clean = await damaged.share(await randomFile(dir.path, 'clean.bin', 3 * CHUNK), { copy: true })
    const rotten = await damaged.share(await randomFile(dir.path, 'rotten.bin', 3 * CHUNK), { copy: true })
    await flipByte(damaged.store.blobPath(rotten.fileId), 2 * CHUNK)
    // `get -o -` reads the stored copy: it stops before the damaged chunk and reports it
    const handedOut: ChunkBytes[] = []
    const reported: string[] = []
    const sources = { store: damaged.store, transfers: damaged.transfers, damaged: (id: string) => { reported.push(id) } }
    await assert.rejects((async () => {
      for await (const chunk of verifiedContent(sources, rotten.fileId, AbortSignal.timeout(10_000))) handedOut.push(chunk)
    })(), { name: 'ChunkDamagedError', code: 'ERR_CHUNK_DAMAGED' })
    assert.equal(handedOut.length, 2)
    assert.deepEqual(reported, [rotten.fileId])

    const results = await damaged.verify()
    const byId = new Map(results.map(r => [r.record.fileId, r]))
    assert.equal(byId.get(clean.fileId)?.status, 'ok')
    assert.deepEqual(byId.get(clean.fileId)?.damagedChunks, [])
    assert.equal(byId.get(rotten.fileId)?.status, 'damaged')
    assert.deepEqual(byId.get(rotten.fileId)?.damagedChunks, [2])
    assert.deepEqual((await damaged.verify(rotten.fileId.slice(0, 20))).map(r => r.status), ['damaged'])

    const repo = damaged.paths.root
    await damaged.stop()
    damaged = await startTestNode(repo, STRICT)
    assert.equal(await statusOf(damaged, rotten.fileId), 'damaged')
    assert.equal(await providesLocally(damaged, rotten.fileId), false)
    await assert.rejects(damaged.verify('bzzzz'), { name: 'FileNotFoundError' })
  })
})
