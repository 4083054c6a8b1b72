/**
 * Names at the file system's 255-byte limit, made of multi-byte characters, through
 * real downloads between two nodes: every temporary name the node puts beside a file
 * (`.peershare-partial`, `.peershare-copy`) must fit as well (ENAMETOOLONG before).
 */
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_FILE_NAME_BYTES, MAX_NAME_BYTES } from '@peershare/protocol'
import { siblingPath } from '../src/download/partial-file.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

/** 125 two-byte characters and `.data`: exactly 255 bytes */
const LONG = `${'é'.repeat(125)}.data`
/** What every node calls it: cut on a character boundary to 223 bytes, the extension kept */
const CUT = `${'é'.repeat(109)}.data`

describe('long names through real downloads', function () {
  this.timeout(60_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode
  let src: string
  let fileId: string

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
    await mkdir(join(dir.path, 'tree'))
    src = await randomFile(join(dir.path, 'tree'), LONG, 3 * 1024 * 1024 + 5)
    fileId = (await sharer.share(src)).fileId
  })

  after(async () => {
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  it('offers a 255-byte name cut to MAX_FILE_NAME_BYTES, keeping the extension', async () => {
    assert.equal(Buffer.byteLength(LONG), MAX_NAME_BYTES)
    assert.equal(Buffer.byteLength(CUT), MAX_FILE_NAME_BYTES)
    assert.equal((await sharer.store.get(fileId))?.record.metadata.name, CUT)
  })

  it('downloads under the offered name, its partial file beside it', async () => {
    const cwd = join(dir.path, 'offered')
    await mkdir(cwd)
    // the offered name leaves room for the suffix: the partial file is plainly `<name>.peershare-partial`
    assert.equal(siblingPath(join(cwd, CUT), '.peershare-partial'), `${join(cwd, CUT)}.peershare-partial`)
    const transfer = await getter.download(fileId, { from: multiaddr(dialAddress(sharer)), cwd })
    await transfer.done()
    assert.deepEqual(await readdir(cwd), [CUT])
    assert.deepEqual(await readFile(join(cwd, CUT)), await readFile(src))
  })

  it('downloads to an output named with all 255 bytes (its partial file gets a short name)', async () => {
    const out = join(dir.path, 'named', LONG)
    assert.ok(Buffer.byteLength(basename(siblingPath(out, '.peershare-partial'))) <= MAX_NAME_BYTES)
    const transfer = await getter.download(fileId, { from: multiaddr(dialAddress(sharer)), output: out, force: true })
    await transfer.done()
    assert.deepEqual(await readdir(join(dir.path, 'named')), [LONG])
    assert.deepEqual(await readFile(out), await readFile(src))
  })

  it('recreates a shared folder holding a 255-byte name (copy and partial names shortened)', async () => {
    const shared = await sharer.shareCollection([join(dir.path, 'tree')])
    const out = join(dir.path, 'copy')
    await getter.getCollection(shared.record.collectionId, { from: multiaddr(dialAddress(sharer)), output: out })
    assert.deepEqual(await readdir(out), [LONG])
    assert.deepEqual(await readFile(join(out, LONG)), await readFile(src))
  })

  it('refuses an output name over 255 bytes with one clear error, copied from the file it keeps or downloaded', async () => {
    const name = `${'é'.repeat(130)}.data`
    const out = join(dir.path, 'too-long', name)
    const refused = { name: 'BadRequestError', code: 'ERR_BAD_REQUEST', message: new RegExp(`^File name too long for the file system: .*${name}`) }
    // the getter keeps the file (the tests above): the start copies it, and says so at once
    await assert.rejects(getter.download(fileId, { from: multiaddr(dialAddress(sharer)), output: out }), refused)
    // forgotten, it is downloaded: the download fails at its place
    await getter.remove(fileId)
    const transfer = await getter.download(fileId, { from: multiaddr(dialAddress(sharer)), output: out })
    await assert.rejects(transfer.done(), { name: 'BadRequestError', code: 'ERR_BAD_REQUEST' })
    await getter.transfers.cancel(fileId)
  })
})
