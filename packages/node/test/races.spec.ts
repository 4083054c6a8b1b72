/**
 * Same-file races (catalogue K1): a second `get` of a file being downloaded attaches
 * to the running download; a cancel while chunks are arriving leaves no partial file,
 * no output and no saved state; a cancel once every chunk is in is too late, and the
 * download completes whole.
 */
import assert from 'node:assert/strict'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { fetchSmallFile } from '../src/search/small-file.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, transferStoreOf, until } from './fixtures.js'

const MiB = 1024 * 1024

describe('same-file races', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode

  before(async () => {
    dir = await tempDir()
    // a limited upload makes each download last long enough to race with
    sharer = await startTestNode(join(dir.path, 'sharer'), { limits: { upload: 4 * MiB, uploadPerPeer: 0, download: 0 } })
    getter = await startTestNode(join(dir.path, 'getter'))
  })

  after(async () => {
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  it('a second get of the same file attaches to the running download: one transfer, both answered, each file where its get asked', async () => {
    const src = await randomFile(dir.path, 'twice.bin', 8 * MiB)
    const shared = await sharer.share(src)
    const out = join(dir.path, 'twice-out')
    const from = multiaddr(dialAddress(sharer))
    const first = await getter.download(shared.fileId, { from, output: join(out, '/') })
    const sent = sharer.exchange.stats().wire.contentBytes
    let placed: Promise<string> | undefined
    const second = await getter.download(shared.fileId, { from, output: join(dir.path, 'elsewhere.bin'), copied: p => { placed = p } })
    assert.equal(second, first, 'the same download')
    assert.equal(getter.transfers.list().filter(t => t.fileId === shared.fileId).length, 1)
    // an output that exists is refused at once, as for a download of its own
    await writeFile(join(dir.path, 'taken.bin'), 'mine')
    await assert.rejects(getter.download(shared.fileId, { from, output: join(dir.path, 'taken.bin') }), { name: 'OutputExistsError' })
    // the same output as the download's own needs no copy
    let again: Promise<string> | undefined
    await getter.download(shared.fileId, { from, output: join(out, '/'), copied: p => { again = p } })
    assert.equal(again, undefined)
    const [a, b] = await Promise.all([first.done(), second.done()])
    assert.deepEqual(a, b)
    assert.deepEqual(await readdir(out), ['twice.bin'])
    assert.equal(await sha256File(join(out, 'twice.bin')), shared.sha256)
    assert.equal(await placed, join(dir.path, 'elsewhere.bin'))
    assert.equal(await sha256File(join(dir.path, 'elsewhere.bin')), shared.sha256)
    assert.equal(await readFile(join(dir.path, 'taken.bin'), 'utf8'), 'mine')
    assert.ok(sharer.exchange.stats().wire.contentBytes - sent <= 8 * MiB, 'the file was fetched once')
  })

  it('a collection whose file is being downloaded elsewhere gets that file once, in the collection and at the first get\'s output', async () => {
    const src = await randomFile(dir.path, 'in-collection.bin', 4 * MiB)
    const shared = await sharer.share(src)
    const collection = await sharer.shareCollection([src])
    const from = multiaddr(dialAddress(sharer))
    const single = join(dir.path, 'single-get.bin')
    const running = await getter.download(shared.fileId, { from, output: single })
    const out = join(dir.path, 'collection-out')
    await getter.getCollection(collection.record.collectionId, { from, output: out })
    await running.done()
    assert.equal(await sha256File(single), shared.sha256)
    assert.equal(await sha256File(join(out, 'in-collection.bin')), shared.sha256)
    assert.deepEqual((await readdir(dir.path)).filter(n => n.includes('peershare-copy')), [], 'no copy left half made')
  })

  it('a thumbnail fetch naming a file the user is downloading does not cancel that download when the file is too large', async () => {
    // a peer can name any file id as an offer's thumbnail: the file the user is downloading, say
    const shared = await sharer.share(await randomFile(dir.path, 'named-as-thumbnail.bin', 8 * MiB))
    const output = join(dir.path, 'named-as-thumbnail-copy.bin')
    const download = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output })
    await until(() => download.progress().bytesTotal != null, 30_000)
    const components = {
      stored: async (id: string) => (await getter.store.get(id))?.record,
      contentPath: getter.store.contentPath.bind(getter.store),
      downloading: (id: string) => getter.transfers.get(id) != null,
      download: async (id: string, options: Parameters<PeershareNode['download']>[1]) => getter.download(id, options)
    }
    await assert.rejects(fetchSmallFile(components, shared.fileId, { peers: [], maxBytes: 1024, signal: AbortSignal.timeout(30_000) }), { name: 'FileTooLargeError' })
    assert.equal(getter.transfers.get(shared.fileId), download, 'the user\'s download goes on')
    await download.done()
    assert.equal(await sha256File(output), shared.sha256)
  })

  it('a file got again to another place stays public, as its offers are', async () => {
    const shared = await sharer.share(await randomFile(dir.path, 'got-twice.bin', 1 * MiB))
    const from = multiaddr(dialAddress(sharer))
    const first = await getter.get(shared.fileId, { from, output: join(dir.path, 'got-twice-1.bin') })
    assert.equal(first.visibility, undefined)
    const second = await getter.get(shared.fileId, { from, output: join(dir.path, 'got-twice-2.bin') })
    assert.equal(second.visibility, undefined)
    assert.equal((await getter.store.getRecord(shared.fileId))?.visibility, undefined)
  })

  it('a file removed as the same bytes are shared again with --copy: its record never points at a deleted blob', async () => {
    const src = await randomFile(dir.path, 'copied-twice.bin', 64 * 1024)
    const { fileId } = await getter.share(src, { copy: true })
    const lost: number[] = []
    for (let round = 0; round < 60; round++) {
      const sharing = getter.share(src, { copy: true })
      // `rm` starts a few event-loop turns later in each round, to meet the share at each of its steps
      for (let turn = 0; turn < round % 30; turn++) await new Promise(resolve => setImmediate(resolve))
      await Promise.all([sharing, getter.remove(fileId).catch(() => undefined)])
      if (await getter.store.has(fileId) && await getter.store.blobs.size(fileId) == null) lost.push(round)
      await getter.share(src, { copy: true })
    }
    assert.deepEqual(lost, [], 'rounds whose stored file lost its blob')
  })

  it('gets of the same file started at once make one download, not one each (of which only the last was listed)', async () => {
    const src = await randomFile(dir.path, 'at-once.bin', 2 * MiB)
    const shared = await sharer.share(src)
    const from = multiaddr(dialAddress(sharer))
    const out = join(dir.path, 'at-once-out')
    const started = await Promise.all(Array.from({ length: 4 }, async () => getter.download(shared.fileId, { from, output: join(out, '/') })))
    for (const transfer of started) assert.equal(transfer, started[0], 'the same download')
    assert.equal(getter.transfers.list().filter(t => t.fileId === shared.fileId).length, 1)
    await started[0].done()
    assert.deepEqual(await readdir(out), ['at-once.bin'])
  })

  it('a get its signal aborts leaves no download behind: the same file is got again at once', async () => {
    const src = await randomFile(dir.path, 'aborted.bin', 16 * MiB)
    const shared = await sharer.share(src)
    const from = multiaddr(dialAddress(sharer))
    const controller = new AbortController()
    const output = join(dir.path, 'aborted-out.bin')
    const first = getter.get(shared.fileId, { from, output, signal: controller.signal, onProgress: p => { if (p.bytesDone > 0) controller.abort() } })
    await assert.rejects(first, { name: 'AbortedError' })
    await until(() => getter.transfers.get(shared.fileId) == null)
    const again = await getter.get(shared.fileId, { from, output })
    assert.equal(again.sha256, shared.sha256)
    assert.equal(await sha256File(output), shared.sha256)
  })

  it('a get aborted while another get waits for the same download ends alone: the download goes on for the other', async () => {
    const src = await randomFile(dir.path, 'shared-wait.bin', 16 * MiB)
    const shared = await sharer.share(src)
    const from = multiaddr(dialAddress(sharer))
    // the first get's abort, then the second's: each time the other one still waits
    for (const abortFirst of [false, true]) {
      const outputs = [join(dir.path, `wait-${String(abortFirst)}-a.bin`), join(dir.path, `wait-${String(abortFirst)}-b.bin`)]
      const controllers = [new AbortController(), new AbortController()]
      // a get told of progress waits on the download (its listener comes once it counts as waiting)
      const waiting = [false, false]
      const first = getter.get(shared.fileId, { from, output: outputs[0], signal: controllers[0].signal, onProgress: () => { waiting[0] = true } })
      await until(() => getter.transfers.get(shared.fileId) != null)
      const second = getter.get(shared.fileId, { from, output: outputs[1], signal: controllers[1].signal, onProgress: () => { waiting[1] = true } })
      const aborted = abortFirst ? 0 : 1
      // both waiting: aborted before the other joined, a get is the download's only one and cancels it
      await until(() => waiting[0] && waiting[1] && (getter.transfers.get(shared.fileId)?.progress().bytesDone ?? 0) > 0)
      controllers[aborted].abort()
      await assert.rejects(aborted === 0 ? first : second, { name: 'AbortedError' })
      const record = await (aborted === 0 ? second : first)
      assert.equal(record.sha256, shared.sha256)
      assert.equal(await sha256File(outputs[1 - aborted]), shared.sha256)
      await getter.remove(shared.fileId)
    }
  })

  it('a resume while a paused download\'s run is still ending (held in its checkpoint) is not lost: the download goes on and completes', async () => {
    const shared = await sharer.share(await randomFile(dir.path, 'pause-resume.bin', 8 * MiB))
    const output = join(dir.path, 'pause-resume-out.bin')
    // the run's next checkpoint is held: the run cannot end until it is let go
    const checkpoint = holdRunCheckpoint(getter, shared.fileId, 8 * MiB)
    try {
      const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output })
      await until(() => transfer.progress().bytesDone > 0, 60_000)
      checkpoint.arm()
      await until(() => checkpoint.held, 60_000, 'a checkpoint of the run')
      // the pause's own checkpoint and save go through; its run still waits in its checkpoint
      await getter.transfers.pause(shared.fileId)
      await getter.transfers.resume(shared.fileId)
      assert.equal(transfer.state, 'running', 'resumed')
      checkpoint.release()
      assert.equal((await transfer.done()).sha256, shared.sha256)
      assert.equal(await sha256File(output), shared.sha256)
    } finally {
      checkpoint.restore()
    }
  })

  it('a cancel once every chunk is in is too late: the download completes, stored and placed, and get resolves', async () => {
    const src = await randomFile(dir.path, 'late-cancel.bin', 4 * MiB)
    const shared = await sharer.share(src)
    const output = join(dir.path, 'late-cancel-out.bin')
    const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output })
    // every turn of the event loop: the file is then being placed (a sync, a rename, a store write)
    while (transfer.progress().bytesDone < 4 * MiB && transfer.state === 'running') await new Promise(resolve => setImmediate(resolve))
    assert.equal(transfer.state, 'running', 'caught between the last chunk and completion')
    await getter.transfers.cancel(shared.fileId)
    assert.equal(transfer.state, 'completed')
    assert.equal((await transfer.done()).sha256, shared.sha256)
    assert.equal(await sha256File(output), shared.sha256)
    assert.equal((await getter.store.getRecord(shared.fileId))?.sha256, shared.sha256)
    assert.equal(getter.transfers.get(shared.fileId), undefined)
  })

  it('a cancel once every chunk is in, while the run is still in a checkpoint, is too late too: the download completes', async function () {
    const shared = await sharer.share(await randomFile(dir.path, 'late-cancel-checkpoint.bin', 8 * MiB))
    const output = join(dir.path, 'late-cancel-checkpoint-out.bin')
    // the run loop's next checkpoint is held while the last chunks arrive
    const checkpoint = holdRunCheckpoint(getter, shared.fileId, 8 * MiB)
    try {
      const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output })
      await until(() => transfer.progress().bytesDone > 0, 60_000)
      checkpoint.arm()
      await until(() => checkpoint.held || transfer.state !== 'running', 60_000, 'a checkpoint of the run')
      // the download ended before the run's next checkpoint: nothing to show here
      if (!checkpoint.held) this.skip()
      await until(() => transfer.progress().bytesDone === 8 * MiB, 60_000, 'every chunk in')
      const cancelled = getter.transfers.cancel(shared.fileId)
      checkpoint.release()
      await cancelled
      assert.equal(transfer.state, 'completed')
      assert.equal((await transfer.done()).sha256, shared.sha256)
      assert.equal(await sha256File(output), shared.sha256)
    } finally {
      checkpoint.restore()
    }
  })

  it('a download paused and resumed is resumed after a restart too (its saved state said paused)', async () => {
    const shared = await sharer.share(await randomFile(dir.path, 'resumed-restart.bin', 16 * MiB))
    const output = join(dir.path, 'resumed-restart-out.bin')
    const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output })
    await until(() => transfer.progress().bytesDone > 0, 60_000)
    await getter.transfers.pause(shared.fileId)
    await getter.transfers.resume(shared.fileId)
    await getter.stop()
    getter = await startTestNode(join(dir.path, 'getter'))
    const restored = getter.transfers.get(shared.fileId)
    assert.equal(restored?.state, 'running')
    assert.equal((await restored.done()).sha256, shared.sha256)
    assert.equal(await sha256File(output), shared.sha256)
  })

  it('cancel while chunks arrive leaves no partial file, no output and no saved state', async () => {
    const src = await randomFile(dir.path, 'cancelled.bin', 16 * MiB)
    const shared = await sharer.share(src)
    const out = join(dir.path, 'cancel-out')
    const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: join(out, '/') })
    await until(() => transfer.progress().bytesDone > 0, 60_000)
    await getter.transfers.cancel(shared.fileId)
    await assert.rejects(transfer.done(), { name: 'AbortedError' })
    assert.deepEqual(await readdir(out), [])
    assert.equal(getter.transfers.get(shared.fileId), undefined)
    // nothing saved: a restart does not bring it back
    await getter.stop()
    getter = await startTestNode(join(dir.path, 'getter'))
    assert.equal(getter.transfers.get(shared.fileId), undefined)
    assert.deepEqual(await readdir(out), [])
  })
})

/**
 * Holds the run loop's next checkpoint of `fileId` on `node` (its save of the verified
 * chunks) from `arm()` until `release()`; not the completion's, made once all `size` bytes
 * are in, which a pause or cancel waits for. `restore()` puts the store back.
 */
function holdRunCheckpoint (node: PeershareNode, fileId: string, size: number): { arm: () => void, readonly held: boolean, release: () => void, restore: () => void } {
  const store = transferStoreOf(node)
  const saveVerified = store.saveVerified
  let hold: PromiseWithResolvers<void> | undefined
  let held = false
  store.saveVerified = async (id, verified) => {
    if (id === fileId && hold != null && !held && (node.transfers.get(id)?.progress().bytesDone ?? 0) < size) {
      held = true
      await hold.promise
    }
    return saveVerified.call(store, id, verified)
  }
  return {
    arm: () => { hold = Promise.withResolvers<void>() },
    get held () { return held },
    release: () => { hold?.resolve() },
    restore: () => {
      store.saveVerified = saveVerified
      hold?.resolve()
    }
  }
}
