import assert from 'node:assert/strict'
import { constants } from 'node:fs'
import { access, chmod, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PeershareNode } from '../src/index.js'
import { randomFile, startTestNode, tempDir, type TestDir, withSmallDisk } from './fixtures.js'

describe('sharing local files', function () {
  this.timeout(60_000)
  let dir: TestDir
  let node: PeershareNode

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'repo'))
  })
  after(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  it('gives the same content the same id, whatever its name', async () => {
    const a = await randomFile(dir.path, 'a.bin', 3 * 1024 * 1024 + 5)
    const copy = join(dir.path, 'copy of a.txt')
    await writeFile(copy, await readFile(a))
    const first = await node.share(a)
    const second = await node.share(copy, { tags: ['x'] })
    assert.equal(second.fileId, first.fileId)
    assert.equal(second.sha256, first.sha256)
    assert.equal((await node.list()).filter(f => f.fileId === first.fileId).length, 1)
  })

  it('records metadata: sanitised name, MIME type from the content, description, tags', async () => {
    const path = join(dir.path, 'report.pdf')
    await writeFile(path, '%PDF-1.4\n% a small pdf')
    const record = await node.share(path, { description: 'Q3', tags: ['work', 'work', 'q3'] })
    assert.equal(record.metadata.name, 'report.pdf')
    assert.equal(record.metadata.mimeType, 'application/pdf')
    assert.equal(record.metadata.description, 'Q3')
    assert.deepEqual(record.metadata.tags, ['work', 'q3'])
  })

  it('fails clearly for a missing file or a directory, leaving nothing behind', async () => {
    await assert.rejects(node.share(join(dir.path, 'nope.bin')), { name: 'PathNotFoundError' })
    await assert.rejects(node.share(dir.path), { name: 'PathNotFoundError' })
    const blobs = await readdir(node.paths.blobs)
    assert.ok(!blobs.some(n => n.startsWith('.import-')))
  })

  it('sharing again updates the metadata given and keeps what was not given', async () => {
    const path = join(dir.path, 'notes.txt')
    await writeFile(path, 'metadata test')
    const first = await node.share(path, { description: 'first', tags: ['a', 'b'] })
    const kept = await node.share(path)
    assert.equal(kept.metadata.description, 'first')
    assert.deepEqual(kept.metadata.tags, ['a', 'b'])
    assert.equal(kept.metadata.created, first.metadata.created)
    const retagged = await node.share(path, { tags: ['c'] })
    assert.deepEqual(retagged.metadata.tags, ['c'])
    assert.equal(retagged.metadata.description, 'first')
    const described = await node.share(path, { description: 'second' })
    assert.equal(described.metadata.description, 'second')
    assert.deepEqual(described.metadata.tags, ['c'])
    const stored = (await node.list()).find(f => f.fileId === first.fileId)
    assert.deepEqual(stored?.metadata, described.metadata)
  })

  it('reports an unreadable file as PermissionDeniedError', async function () {
    // root reads a mode-000 file anyway; a write-only /proc file is unreadable even for root
    let path = join(dir.path, 'secret.txt')
    await writeFile(path, 'x')
    await chmod(path, 0o000)
    const readable = await access(path, constants.R_OK).then(() => true, () => false)
    if (readable) {
      path = '/proc/sys/vm/drop_caches'
      if (!(await stat(path).then(s => s.isFile(), () => false))) return this.skip()
    }
    await assert.rejects(node.share(path), { name: 'PermissionDeniedError', code: 'ERR_PERMISSION_DENIED' })
  })

  it('rejects too many or too long tags', async () => {
    const path = join(dir.path, 'tags.txt')
    await writeFile(path, 'x')
    await assert.rejects(node.share(path, { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), { name: 'BadRequestError' })
    await assert.rejects(node.share(path, { tags: ['x'.repeat(65)] }), { name: 'BadRequestError' })
  })

  it('keeps identity and shared files across a restart', async () => {
    const repo = join(dir.path, 'restart')
    const first = await startTestNode(repo)
    const src = await randomFile(dir.path, 'keep.bin', 1000)
    const { fileId } = await first.share(src)
    const peerId = first.peerId.toString()
    await first.stop()
    const again = await PeershareNode.create({ repo, listen: ['/ip4/127.0.0.1/tcp/0'] })
    await again.start()
    try {
      assert.equal(again.peerId.toString(), peerId)
      assert.ok((await again.list()).some(f => f.fileId === fileId))
    } finally {
      await again.stop()
    }
  })

  it('reports a full disk as DiskFullError and records nothing (a copy: in place writes nothing)', async function () {
    const mounted = await withSmallDisk(dir.path, async (mnt) => {
      const small = await startTestNode(join(mnt, 'repo'))
      try {
        const src = await randomFile(dir.path, 'too-big.bin', 4 * 1024 * 1024)
        await assert.rejects(small.share(src, { copy: true }), { name: 'DiskFullError' })
        assert.deepEqual(await small.list(), [])
        assert.deepEqual((await readdir(small.paths.blobs)).filter(n => n.startsWith('.import-')), [])
      } finally {
        await small.stop()
      }
    })
    if (!mounted) this.skip() // needs root and tmpfs; CI machines have both
  })
})
