import assert from 'node:assert/strict'
import { lstat, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { collectionIdFromBytes, fileIdOf, formatCollectionId, type Manifest } from '@peershare/protocol'
import { createHash } from 'node:crypto'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** Every file and directory under `root`, relative, with file hashes (symlinks named as such) */
async function tree (root: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isSymbolicLink()) out[rel] = 'symlink'
    else if (entry.isDirectory()) {
      out[`${rel}/`] = 'dir'
      Object.assign(out, await tree(root, rel))
    } else out[rel] = await sha256File(join(root, rel))
  }
  return out
}

describe('collections between nodes', function () {
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
    await Promise.all([sharer?.stop(), getter?.stop()])
    await dir?.cleanup()
  })

  it('recreates a folder byte for byte: nested, empty file and folder, identical files, hidden names', async () => {
    const src = join(dir.path, 'photos')
    await mkdir(join(src, 'a/b/c'), { recursive: true })
    await mkdir(join(src, 'empty dir'))
    await randomFile(join(src, 'a/b/c'), 'deep.bin', 300_000)
    await randomFile(src, 'top.bin', 2 * 1024 * 1024 + 3)
    await writeFile(join(src, '.config'), 'hidden')
    await writeFile(join(src, 'a', 'same 1.txt'), 'same content')
    await writeFile(join(src, 'a', 'same 2.txt'), 'same content')
    await writeFile(join(src, 'empty.txt'), '')
    await symlink('/etc/hostname', join(src, 'link'))
    const shared = await sharer.shareCollection([src], { tags: ['pics'] })
    assert.deepEqual(shared.skipped, ['link'])
    assert.equal(shared.record.name, 'photos')
    assert.equal(shared.record.files, 6)
    assert.equal(shared.record.directories, 1)

    const out = join(dir.path, 'out')
    const seen: number[] = []
    const record = await getter.getCollection(shared.record.collectionId, { from: multiaddr(dialAddress(sharer)), output: out, onProgress: p => { seen.push(p.filesDone) } })
    assert.equal(record.path, out)
    const expected = await tree(src)
    delete expected.link
    assert.deepEqual(await tree(out), expected)
    assert.equal(seen.at(-1), 6)
    assert.equal(((await lstat(join(out, 'top.bin'))).mode & 0o777) & ~0o644, 0)
    assert.ok((await getter.listCollections()).some(c => c.collectionId === shared.record.collectionId))

    // running it again finds everything in place and verified
    const again = await getter.getCollection(shared.record.collectionId, { output: out })
    assert.equal(again.files, 6)
  })

  it('shares several paths under their own names', async () => {
    const a = await randomFile(dir.path, 'one.bin', 1000)
    const sub = join(dir.path, 'sub')
    await mkdir(sub)
    await writeFile(join(sub, 'two.txt'), 'two')
    const shared = await sharer.shareCollection([a, sub], { tags: ['x'], description: 'two things' })
    const out = join(dir.path, 'several')
    await getter.getCollection(shared.record.collectionId, { from: multiaddr(dialAddress(sharer)), output: out })
    assert.deepEqual(Object.keys(await tree(out)).sort(), ['one.bin', 'sub/', 'sub/two.txt'])
    const got = (await getter.listCollections()).find(c => c.collectionId === shared.record.collectionId)
    assert.deepEqual(got?.tags, ['x'])
    assert.equal(got?.description, 'two things')

    // sharing it again keeps what is not given, replaces what is
    assert.deepEqual((await sharer.shareCollection([a, sub])).record.tags, ['x'])
    const retagged = (await sharer.shareCollection([a, sub], { tags: ['y'] })).record
    assert.deepEqual([retagged.tags, retagged.description], [['y'], 'two things'])

    // rm forgets the collection and its listing; its files stay shared
    await sharer.remove(shared.record.collectionId)
    assert.ok(!(await sharer.listCollections()).some(c => c.collectionId === shared.record.collectionId))
    assert.ok(!(await sharer.list()).some(f => f.fileId === shared.listing.fileId))
    assert.ok((await sharer.list()).some(f => f.fileId === shared.files[0].fileId))
    await assert.rejects(sharer.remove(shared.record.collectionId), { name: 'FileNotFoundError' })
  })

  it('finds a collection through the DHT, without being told a peer', async () => {
    await getter.connect(multiaddr(dialAddress(sharer)))
    const src = join(dir.path, 'by-dht')
    await mkdir(join(src, 'inner'), { recursive: true })
    await randomFile(join(src, 'inner'), 'x.bin', 50_000)
    await writeFile(join(src, 'y.txt'), 'y')
    const shared = await sharer.shareCollection([src])
    // provider records are published in the background: wait until the DHT names the sharer
    let found = false
    for (let i = 0; i < 50 && !found; i++) {
      for await (const p of getter.providers(shared.record.collectionId, { timeout: 2_000 })) found ||= p.peerId === sharer.peerId.toString()
    }
    assert.ok(found, 'the sharer is a provider of the collection')
    const out = join(dir.path, 'by-dht-out')
    await getter.getCollection(shared.record.collectionId, { output: out })
    assert.deepEqual(await tree(out), await tree(src))
  })

  it('a get over a tree with changed files refuses them, or with force replaces them (never a folder or a symlink); files not in the collection stay', async () => {
    const src = join(dir.path, 'forced-src')
    await mkdir(join(src, 'sub'), { recursive: true })
    await randomFile(src, 'changed.bin', 200_000)
    await writeFile(join(src, 'sub', 'same 1.txt'), 'same content')
    await writeFile(join(src, 'sub', 'same 2.txt'), 'same content')
    await writeFile(join(src, 'empty.txt'), '')
    const shared = await sharer.shareCollection([src])
    const from = multiaddr(dialAddress(sharer))
    const out = join(dir.path, 'forced-out')
    await getter.getCollection(shared.record.collectionId, { from, output: out })
    const expected = await tree(src)
    // the user edits the downloaded tree and adds a file of their own
    await writeFile(join(out, 'changed.bin'), 'edited')
    await writeFile(join(out, 'sub', 'same 2.txt'), 'edited too')
    await writeFile(join(out, 'empty.txt'), 'no longer empty')
    await writeFile(join(out, 'mine.txt'), 'my own')
    await assert.rejects(getter.getCollection(shared.record.collectionId, { from, output: out }), (err: Error) => err.name === 'OutputExistsError' && /--force replaces it/.test(err.message))
    const forced = await getter.getCollection(shared.record.collectionId, { from, output: out, force: true })
    assert.equal(forced.files, 4)
    assert.deepEqual(await tree(out), { ...expected, 'mine.txt': await sha256File(join(out, 'mine.txt')) })
    // a folder or a symlink where a file goes is never replaced
    await rm(join(out, 'changed.bin'))
    await symlink(join(dir.path, 'elsewhere-forced'), join(out, 'changed.bin'))
    await assert.rejects(getter.getCollection(shared.record.collectionId, { from, output: out, force: true }), { name: 'OutputUnsafeError' })
    await rm(join(out, 'changed.bin'))
    await mkdir(join(out, 'changed.bin'))
    await assert.rejects(getter.getCollection(shared.record.collectionId, { from, output: out, force: true }), { name: 'OutputExistsError' })
  })

  it('does not follow a symlink planted in the target', async () => {
    const src = join(dir.path, 'planted-src')
    await mkdir(join(src, 'sub'), { recursive: true })
    await writeFile(join(src, 'sub', 'file.txt'), 'payload')
    const shared = await sharer.shareCollection([src])
    const out = join(dir.path, 'planted-out')
    const elsewhere = join(dir.path, 'elsewhere')
    await mkdir(out)
    await mkdir(elsewhere)
    await symlink(elsewhere, join(out, 'sub'))
    await assert.rejects(getter.getCollection(shared.record.collectionId, { from: multiaddr(dialAddress(sharer)), output: out }), { name: 'OutputUnsafeError' })
    assert.deepEqual(await readdir(elsewhere), [])
  })

  it('carries on with an interrupted collection download when the node restarts', async () => {
    const repo = join(dir.path, 'sharer-slow')
    // a slow source, so the download can be caught half way
    const slow = await startTestNode(repo, { limits: { upload: 2 * 1024 * 1024 } })
    const src = join(dir.path, 'slow-src')
    await mkdir(src)
    for (let i = 0; i < 8; i++) await randomFile(src, `part${i}.bin`, 1024 * 1024 + i)
    const shared = await slow.shareCollection([src])
    const getterRepo = join(dir.path, 'getter-restart')
    let node = await startTestNode(getterRepo)
    const out = join(dir.path, 'restart-out')
    try {
      const download = node.downloadCollection(shared.record.collectionId, { from: multiaddr(dialAddress(slow)), output: out })
      download.done().catch(() => {})
      await until(() => download.progress().filesDone >= 2, 60_000)
      assert.ok(download.progress().filesDone < 8)
      await node.stop()
      node = await startTestNode(getterRepo)
      // nobody calls get again: the restarted node resumes the collection by itself
      const waitDone = async (): Promise<void> => {
        for (let i = 0; i < 600; i++) {
          if ((await node.listCollections()).some(c => c.collectionId === shared.record.collectionId && c.path === out)) return
          await new Promise(resolve => setTimeout(resolve, 100))
        }
        throw new Error('the collection did not complete after the restart')
      }
      await waitDone()
      assert.deepEqual(await tree(out), await tree(src))
    } finally {
      await node.stop()
      await slow.stop()
    }
  })

  it('refuses a listing with ../ or an absolute path served under a matching id, writing nothing', async () => {
    const fileId = await fileIdOf(manifestOf(new TextEncoder().encode('x')))
    for (const path of ['../escape.txt', '/tmp/absolute.txt', 'ok/../../x']) {
      const bytes = rawListing(path, fileId.bytes)
      // the lying peer serves these bytes as a file: their SHA-256 is exactly the id asked for
      const listingPath = join(dir.path, 'lie.bin')
      await writeFile(listingPath, bytes)
      await sharer.share(listingPath)
      const id = formatCollectionId(await collectionIdFromBytes(bytes))
      const out = join(dir.path, 'lied-to')
      await assert.rejects(getter.getCollection(id, { from: multiaddr(dialAddress(sharer)), output: out }), { name: 'PeerMisbehavedError' })
      assert.equal(await lstat(out).then(() => true, () => false), false)
      assert.equal(await lstat(join(dir.path, 'escape.txt')).then(() => true, () => false), false)
    }
  })
})

function manifestOf (data: Uint8Array): Manifest {
  const sha = createHash('sha256').update(data).digest()
  return { version: 1, size: data.byteLength, chunkSize: 16 * 1024, chunkHashes: [sha], sha256: sha }
}

/** A listing encoded by hand, as a lying peer would: version 1, one file entry of size 1 (short fields only) */
function rawListing (path: string, fileId: Uint8Array): Uint8Array {
  const p = new TextEncoder().encode(path)
  const entry = [0x0a, p.byteLength, ...p, 0x10, 0x01, 0x1a, fileId.byteLength, ...fileId]
  return Uint8Array.from([0x08, 0x01, 0x12, entry.length, ...entry])
}
