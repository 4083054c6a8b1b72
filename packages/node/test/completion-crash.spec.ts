/**
 * A download killed while it starts or completes (catalogue D1): the file was put in place (its
 * partial file linked to the output, then removed) but the saved download state was
 * not deleted yet. On restart the download finds its file whole at the output and
 * completes from it, fetching nothing; a different file there is never taken for it.
 * Killed just after creating its partial file, before the manifest was saved: the next
 * run takes that partial file back, not refuses it as another download's.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Bitfield } from '@peershare/protocol'
import { LevelDatastore } from 'datastore-level'
import type { PeershareNode } from '../src/index.js'
import { type TransferRecord, TransferStore } from '../src/download/transfer-store.js'
import type { Quarantine } from '../src/records/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

const MiB = 1024 * 1024

describe('a download killed while it starts or completes', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
  })

  after(async () => {
    await sharer?.stop()
    await dir?.cleanup()
  })

  /** The state a download saved (transfer-store.ts), written into a stopped node's repo */
  async function saveState (repo: string, record: TransferRecord, manifestBytes?: Uint8Array, verified?: Bitfield): Promise<void> {
    const datastore = new LevelDatastore(join(repo, 'datastore'))
    await datastore.open()
    try {
      // save and saveVerified only write: they never set anything aside
      const transfers = new TransferStore(datastore, undefined as unknown as Quarantine)
      await transfers.save(record, manifestBytes)
      if (verified != null) await transfers.saveVerified(record.fileId, verified.toBytes())
    } finally {
      await datastore.close()
    }
  }

  /** The saved record of a download of `fileId` to `output` whose manifest is known */
  async function recordOf (fileId: string, output: string): Promise<TransferRecord> {
    const stored = await sharer.store.get(fileId)
    assert.ok(stored != null)
    return {
      fileId,
      output,
      partialPath: `${output}.peershare-partial`,
      metadata: stored.record.metadata,
      destination: { output },
      priority: 'normal',
      state: 'running',
      sources: [dialAddress(sharer)],
      created: Date.now()
    }
  }

  /**
   * Downloads `src` to `output` in a fresh repo, stops the node, then puts back the
   * download state a kill between placing the file and deleting that state leaves
   */
  async function killedWhilePlacing (name: string, src: string, output: string): Promise<{ repo: string, fileId: string }> {
    const repo = join(dir.path, name)
    const { fileId } = await sharer.share(src)
    const getter = await startTestNode(repo)
    try {
      await (await getter.download(fileId, { from: multiaddr(dialAddress(sharer)), output })).done()
    } finally {
      await getter.stop()
    }
    const stored = await sharer.store.get(fileId)
    assert.ok(stored != null)
    await saveState(repo, await recordOf(fileId, output), stored.manifestBytes, Bitfield.full(stored.manifest.chunkHashes.length))
    return { repo, fileId }
  }

  it('finds its file whole at the output and completes from it: nothing fetched, no partial file left, nothing listed', async () => {
    const src = await randomFile(dir.path, 'placed-src.bin', 3 * MiB + 1000)
    const output = join(dir.path, 'placed.bin')
    const { repo, fileId } = await killedWhilePlacing('placed', src, output)
    const getter = await startTestNode(repo)
    try {
      const restored = getter.transfers.get(fileId)
      assert.ok(restored != null, 'the saved download is restored')
      const record = await restored.done()
      assert.equal(record.fileId, fileId)
      assert.equal(restored.progress().bytesReceived, 0, 'nothing was fetched again')
      assert.deepEqual(await readFile(output), await readFile(src))
      assert.equal(existsSync(`${output}.peershare-partial`), false)
      assert.deepEqual(getter.transfers.list(), [])
      assert.equal(await getter.store.has(fileId), true)
    } finally {
      await getter.stop()
    }
  })

  it('a different file at the output is left alone: the download fetches the file and fails with OutputExistsError', async () => {
    const src = await randomFile(dir.path, 'other-src.bin', 2 * MiB)
    const output = join(dir.path, 'other.bin')
    const { repo, fileId } = await killedWhilePlacing('other', src, output)
    // someone else's file of the same size took the output's place
    await rm(output)
    const theirs = Buffer.alloc(2 * MiB, 7)
    await writeFile(output, theirs)
    const getter = await startTestNode(repo)
    try {
      const restored = getter.transfers.get(fileId)
      assert.ok(restored != null, 'the saved download is restored')
      await assert.rejects(restored.done(), { name: 'OutputExistsError' })
      assert.deepEqual(await readFile(output), theirs)
    } finally {
      await getter.stop()
    }
  })

  /** The parts of `fileId`'s download state a stopped node's repo holds */
  async function savedParts (repo: string, fileId: string): Promise<string[]> {
    const datastore = new LevelDatastore(join(repo, 'datastore'))
    await datastore.open()
    try {
      const parts: string[] = []
      for await (const key of datastore.queryKeys({ prefix: `/peershare/transfers/${fileId}` })) parts.push(key.name())
      return parts.sort()
    } finally {
      await datastore.close()
    }
  }

  it('a verified list a completed download left (killed while deleting its state) is removed at start and never read by a later download of the file', async () => {
    const src = await randomFile(dir.path, 'orphan-src.bin', 3 * MiB + 1000)
    const repo = join(dir.path, 'orphan')
    const { fileId } = await sharer.share(src)
    await (await startTestNode(repo)).stop()
    // its record and manifest were deleted, its verified list (every chunk) not yet
    const datastore = new LevelDatastore(join(repo, 'datastore'))
    await datastore.open()
    await new TransferStore(datastore, undefined as unknown as Quarantine).saveVerified(fileId, Bitfield.full(4).toBytes())
    await datastore.close()
    await (await startTestNode(repo)).stop()
    assert.deepEqual(await savedParts(repo, fileId), [], 'the start removed the parts no record names')
    // a new download of the file saves its record with no list: a kill before its first checkpoint leaves none to trust
    await datastore.open()
    const transfers = new TransferStore(datastore, undefined as unknown as Quarantine)
    await transfers.saveVerified(fileId, Bitfield.full(4).toBytes())
    await transfers.begin(await recordOf(fileId, join(dir.path, 'orphan.bin')))
    const [saved] = await transfers.all()
    await datastore.close()
    assert.equal(saved.record.fileId, fileId)
    assert.equal(saved.verified, undefined, 'a new download starts with no verified list')
  })

  it('a run killed between creating its partial file and saving the manifest takes the partial file back (trusting none of it) and completes', async () => {
    const src = await randomFile(dir.path, 'claimed-src.bin', 3 * MiB + 1000)
    const output = join(dir.path, 'claimed.bin')
    const repo = join(dir.path, 'claimed')
    const { fileId } = await sharer.share(src)
    await (await startTestNode(repo)).stop()
    // the partial file was claimed in the record and created; the manifest was not saved yet
    await saveState(repo, await recordOf(fileId, output))
    await writeFile(`${output}.peershare-partial`, Buffer.alloc(MiB + 5, 1))
    const getter = await startTestNode(repo)
    try {
      const restored = getter.transfers.get(fileId)
      assert.ok(restored != null, 'the saved download is restored')
      await restored.done()
      assert.deepEqual(await readFile(output), await readFile(src))
      assert.equal(existsSync(`${output}.peershare-partial`), false)
    } finally {
      await getter.stop()
    }
  })
})
