/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Bitfield, encodeManifest } from '@peershare/protocol'
import { DownloadContent, SYNC_AHEAD_BYTES } from '../src/download/download-content.js'
import { PartialFile } from '../src/download/partial-file.js'
import { manifestOf, tempDir, type TestDir, until } from './fixtures.js'

const CHUNK = 1024 * 1024
/** chunks that make one sync ahead */
const AHEAD = SYNC_AHEAD_BYTES / CHUNK

/** Counts the partial file's syncs; `gate` holds each until it resolves, `failFirst` makes the first fail as a disk would */
function watchSyncs (partial: PartialFile, options: { gate?: Promise<void>, failFirst?: boolean } = {}): { calls: number } {
  const seen = { calls: 0 }
  const handle = partial.handle
  const sync = handle.sync.bind(handle)
  handle.sync = async () => {
    seen.calls++
    await options.gate
    if (options.failFirst === true && seen.calls === 1) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })
    return sync()
  }
  return seen
}

/** A promise that holds the syncs until `open` */
function closedGate (): { gate: Promise<void>, open: () => void } {
  let open: () => void = () => {}
  const gate = new Promise<void>(resolve => { open = resolve })
  return { gate, open }
}

describe('a download syncs its writes as they go (real files)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let content: DownloadContent | undefined
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await content?.close()
    content = undefined
    await dir.cleanup()
  })

  /** A download's content for `chunks` chunks of random bytes, none held yet */
  async function contentOf (chunks: number): Promise<{ content: DownloadContent, bytes: Uint8Array }> {
    const bytes = randomBytes(chunks * CHUNK)
    const manifest = manifestOf(bytes, CHUNK)
    const output = join(dir.path, 'file.bin')
    const partial = await PartialFile.create(`${output}.peershare-partial`, manifest, output)
    content = new DownloadContent(manifest, encodeManifest(manifest), new Bitfield(chunks), partial)
    return { content, bytes }
  }

  /** Writes chunks `from` to `to` (excluded) as a download does: into the file, then `written` */
  async function writeChunks (target: DownloadContent, bytes: Uint8Array, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      const data = bytes.slice(i * CHUNK, (i + 1) * CHUNK)
      await target.partial.write(i, data)
      target.written(i, data)
    }
  }

  it('starts a sync once SYNC_AHEAD_BYTES are written, without waiting for a checkpoint, and counts its chunks durable', async () => {
    const { content, bytes } = await contentOf(AHEAD + 2)
    const syncs = watchSyncs(content.partial)
    await writeChunks(content, bytes, 0, AHEAD - 1)
    assert.equal(syncs.calls, 0, 'no sync before SYNC_AHEAD_BYTES')
    await writeChunks(content, bytes, AHEAD - 1, AHEAD)
    assert.equal(syncs.calls, 1, 'a sync started at SYNC_AHEAD_BYTES')
    await until(() => content.durable.count === AHEAD, 30_000, 'the synced chunks to be durable')
    await writeChunks(content, bytes, AHEAD, AHEAD + 2)
    // the checkpoint's sync is left with what came after
    assert.equal(await content.sync(), true)
    assert.equal(syncs.calls, 2)
    assert.equal(content.durable.count, AHEAD + 2)
    assert.equal(content.unsynced.size, 0)
    assert.equal(await content.sync(), false, 'nothing new to sync')
  })

  it('a checkpoint waits for the sync under way, then syncs what came after it', async () => {
    const { gate, open } = closedGate()
    const { content, bytes } = await contentOf(AHEAD + 1)
    const syncs = watchSyncs(content.partial, { gate })
    await writeChunks(content, bytes, 0, AHEAD + 1)
    assert.equal(syncs.calls, 1)
    const checkpoint = content.sync()
    // the chunk written after the sync ahead began is not counted durable by it
    open()
    assert.equal(await checkpoint, true)
    assert.equal(syncs.calls, 2, 'the chunk after the sync ahead got a sync of its own')
    assert.equal(content.durable.count, AHEAD + 1)
  })

  it('a sync ahead that fails: the next sync throws its error once, and the chunks it did not sync are forgotten, to be fetched again', async () => {
    const { content, bytes } = await contentOf(2 * AHEAD + 1)
    const syncs = watchSyncs(content.partial, { failFirst: true })
    await writeChunks(content, bytes, 0, AHEAD)
    assert.equal(syncs.calls, 1)
    await until(() => content.have.count === 0, 30_000, 'the unsynced chunks to be forgotten')
    // Linux reports a failed writeback once: a later sync that succeeds would not mean those bytes are on disk
    assert.equal(content.durable.count, 0)
    await assert.rejects(content.sync(), { code: 'EIO' })
    // what is written after the failure is synced as usual, ahead and at the checkpoint
    await writeChunks(content, bytes, AHEAD, 2 * AHEAD + 1)
    assert.equal(await content.sync(), true)
    assert.equal(content.durable.count, AHEAD + 1)
    assert.equal(content.durable.has(0), false)
    assert.equal(content.durable.has(AHEAD), true)
  })

  it('a checkpoint after a sync ahead that covered everything still reports chunks made durable, so it records them', async () => {
    const { content, bytes } = await contentOf(AHEAD)
    watchSyncs(content.partial)
    await writeChunks(content, bytes, 0, AHEAD)
    await until(() => content.durable.count === AHEAD, 30_000, 'the sync ahead to end')
    assert.equal(content.unsynced.size, 0)
    assert.equal(await content.sync(), true, 'chunks became durable since the last checkpoint')
    assert.equal(await content.sync(), false)
  })

  it('a chunk found damaged while a sync ahead runs is not counted durable by it', async () => {
    const { gate, open } = closedGate()
    const { content, bytes } = await contentOf(AHEAD)
    const syncs = watchSyncs(content.partial, { gate })
    await writeChunks(content, bytes, 0, AHEAD)
    assert.equal(syncs.calls, 1, 'the sync ahead runs')
    assert.equal(content.forget(3), true)
    open()
    await content.sync()
    assert.equal(content.durable.has(3), false, 'a forgotten chunk stays forgotten')
    assert.equal(content.durable.count, AHEAD - 1)
  })

  it('a chunk forgotten and written again while a sync ahead runs waits for a sync of its own', async () => {
    const { gate, open } = closedGate()
    const { content, bytes } = await contentOf(AHEAD)
    const syncs = watchSyncs(content.partial, { gate })
    await writeChunks(content, bytes, 0, AHEAD)
    assert.equal(content.forget(3), true)
    await writeChunks(content, bytes, 3, 4)
    open()
    await until(() => syncs.calls === 1 && content.durable.count === AHEAD - 1, 30_000, 'the sync ahead to end')
    assert.equal(content.durable.has(3), false, 'the sync ahead began before the new bytes')
    assert.equal(content.unsynced.has(3), true)
    await content.sync()
    assert.equal(syncs.calls, 2)
    assert.equal(content.durable.has(3), true)
  })
})
