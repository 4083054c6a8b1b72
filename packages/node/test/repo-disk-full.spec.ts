import assert from 'node:assert/strict'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { DiskFullError } from '../src/errors.js'
import type { FileRecord, PeershareNode, Transfer } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, transferStoreOf, until, withSmallDisk } from './fixtures.js'

/** Writes zeros to `path` until the disk under it is full */
async function fillDisk (path: string): Promise<void> {
  const handle = await open(path, 'w')
  try {
    for (;;) await handle.write(Buffer.alloc(64 * 1024))
  } catch (err: any) {
    if (err.code !== 'ENOSPC') throw err
  } finally {
    await handle.close()
  }
}

describe('a full disk under the repo\'s datastore', function () {
  this.timeout(180_000)

  it('pauses a download whose checkpoint cannot be saved (ERR_DISK_FULL, not a failure); resumed once there is room, it completes (root only: a small tmpfs)', async function () {
    const dir = await tempDir()
    const sharer = await startTestNode(join(dir.path, 'sharer'))
    let getter: PeershareNode | undefined
    try {
      const mounted = await withSmallDisk(dir.path, async (mnt) => {
        try {
          getter = await startTestNode(join(mnt, 'repo'))
          const src = await randomFile(dir.path, 'src.bin', 3 * 1024 * 1024)
          const shared = await sharer.share(src)
          // slow enough that checkpoints are saved while it runs
          await sharer.setLimits({ upload: 512 * 1024 }, { temporary: true })
          // the file goes to the large disk: only the repo's datastore runs out of room
          const out = join(dir.path, 'out.bin')
          const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
          await until(() => transfer.progress().bytesDone > 0, 60_000, 'the first chunks')
          const filler = join(mnt, 'filler')
          await fillDisk(filler)
          // paused, as it should; failed, as it did (a moment stalled is neither): said once the pause is saved
          await transfer.done().catch(() => {})
          assert.equal(transfer.progress().state, 'paused', JSON.stringify(transfer.progress().error))
          assert.equal(transfer.progress().error?.code, 'ERR_DISK_FULL')
          await rm(filler)
          await sharer.setLimits({ upload: 0 }, { temporary: true })
          await getter.transfers.resume(shared.fileId)
          await transfer.done()
          assert.equal(await sha256File(out), shared.sha256)
        } finally {
          await getter?.stop().catch(() => {})
        }
      })
      if (!mounted) this.skip()
    } finally {
      await sharer.stop()
      await dir.cleanup()
    }
  })

  /**
   * The getter's store of a completed file's record fails once, as the repo's datastore
   * fails on ENOSPC (compose/repo-datastore.ts): the one moment a real disk cannot be
   * filled on cue. Returns how many stores were tried.
   */
  function failFirstStore (getter: PeershareNode): () => number {
    const putFrom = getter.store.putFrom.bind(getter.store)
    let writes = 0
    getter.store.putFrom = async (...args) => {
      if (writes++ === 0) throw new DiskFullError('No space left on the device of the repo\'s datastore (ENOSPC)')
      return putFrom(...args)
    }
    return () => writes
  }

  /** A download between two real nodes whose completed file is placed at `out` and whose record's store then fails once */
  async function pausedAfterPlacing (dir: string, run: (t: { getter: PeershareNode, shared: FileRecord, out: string, transfer: Transfer, writes: () => number }) => Promise<void>): Promise<void> {
    const sharer = await startTestNode(join(dir, 'sharer'))
    const getter = await startTestNode(join(dir, 'getter'))
    try {
      const shared = await sharer.share(await randomFile(dir, 'src.bin', 3 * 1024 * 1024))
      const writes = failFirstStore(getter)
      const out = join(dir, 'out.bin')
      const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
      // the rejection comes once the pause is saved
      const stopped = await transfer.done().then(() => undefined, (err: { code?: string }) => err)
      assert.equal(stopped?.code, 'ERR_DISK_FULL')
      assert.equal(transfer.progress().state, 'paused')
      // placed before its record's store failed: its partial file is gone
      assert.equal(await sha256File(out), shared.sha256)
      await run({ getter, shared, out, transfer, writes })
    } finally {
      await getter.stop()
      await sharer.stop()
    }
  }

  it('a full disk as the completed file is stored, after it was placed: paused; resumed, the placed file is stored, not hashed or placed again', async () => {
    const dir = await tempDir()
    try {
      await pausedAfterPlacing(dir.path, async ({ getter, shared, out, transfer, writes }) => {
        await getter.transfers.resume(shared.fileId)
        const stored = await transfer.done()
        assert.equal(stored.fileId, shared.fileId)
        assert.equal(writes(), 2)
        assert.equal(await sha256File(out), shared.sha256)
        assert.equal((await getter.store.getRecord(shared.fileId))?.fileId, shared.fileId)
        assert.equal(getter.transfers.get(shared.fileId)?.state ?? 'gone', 'gone')
      })
    } finally {
      await dir.cleanup()
    }
  })

  it('a placed file removed while its download was paused is not stored: the resume fails with ERR_FILE_CHANGED, and succeeds once it is back', async () => {
    const dir = await tempDir()
    try {
      await pausedAfterPlacing(dir.path, async ({ getter, shared, out, transfer, writes }) => {
        await rename(out, `${out}.moved`)
        await getter.transfers.resume(shared.fileId)
        const failed = await transfer.done().then(() => undefined, (err: { code?: string }) => err)
        assert.equal(failed?.code, 'ERR_FILE_CHANGED')
        assert.equal(writes(), 1)
        assert.equal(await getter.store.getRecord(shared.fileId), undefined)
        await rename(`${out}.moved`, out)
        await getter.transfers.resume(shared.fileId)
        assert.equal((await transfer.done()).fileId, shared.fileId)
        assert.equal(writes(), 2)
      })
    } finally {
      await dir.cleanup()
    }
  })

  /**
   * A download whose completed file's store fails once (a full disk: paused), with
   * `meanwhile` run as that pause is being saved, its run not yet ended
   */
  async function whilePausing (meanwhile: (t: { getter: PeershareNode, fileId: string, dir: string }) => Promise<void>, check: (t: { getter: PeershareNode, shared: FileRecord, out: string, transfer: Transfer, writes: () => number }) => Promise<void>): Promise<void> {
    const dir = await tempDir()
    const sharer = await startTestNode(join(dir.path, 'sharer'))
    const getter = await startTestNode(join(dir.path, 'getter'))
    try {
      const shared = await sharer.share(await randomFile(dir.path, 'src.bin', 3 * 1024 * 1024))
      const writes = failFirstStore(getter)
      const store = transferStoreOf(getter)
      const save = store.save.bind(store)
      let pausedRun: Promise<FileRecord> | undefined
      store.save = async (record, manifestBytes) => {
        if (record.reason === 'disk-full' && pausedRun == null) {
          pausedRun = getter.transfers.get(record.fileId)?.done()
          pausedRun?.catch(() => {})
          await meanwhile({ getter, fileId: record.fileId, dir: dir.path })
        }
        return save(record, manifestBytes)
      }
      const out = join(dir.path, 'out.bin')
      const transfer = await getter.download(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
      await until(() => pausedRun != null, 60_000, 'the pause on a full disk')
      await assert.rejects(pausedRun as Promise<FileRecord>, { code: 'ERR_DISK_FULL' })
      await check({ getter, shared, out, transfer, writes })
    } finally {
      await getter.stop()
      await sharer.stop()
      await dir.cleanup()
    }
  }

  it('a resume asked while a full disk\'s pause is still being saved (its run not yet ended) is not lost: the download completes', async () => {
    await whilePausing(async ({ getter, fileId }) => { await getter.transfers.resume(fileId) }, async ({ shared, out, transfer, writes }) => {
      // resumed: the placed file is stored; it was not lost as the paused run ended
      assert.equal((await transfer.done()).fileId, shared.fileId)
      assert.equal(writes(), 2)
      assert.equal(transfer.state, 'completed')
      assert.equal(await sha256File(out), shared.sha256)
    })
  })

  it('a get to another place that joins (and resumes) while a full disk\'s pause is still being saved gets its copy: the ending run does not fail it', async () => {
    let placed: Promise<string> | undefined
    let other = ''
    await whilePausing(async ({ getter, fileId, dir }) => {
      other = join(dir, 'other.bin')
      await getter.download(fileId, { output: other, copied: p => { placed = p } })
    }, async ({ shared, transfer }) => {
      assert.equal((await transfer.done()).fileId, shared.fileId)
      assert.equal(await placed, other)
      assert.equal(await sha256File(other), shared.sha256)
    })
  })
})
