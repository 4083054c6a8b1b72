/**
 * Sharing in place (real daemons with their defaults, real CLI): `share` records the
 * file's path instead of copying it into the repo, serves chunks from there (each one
 * checked against its hash before it is sent), withdraws a file changed, moved or
 * deleted with the reason `ls` shows, serves it again once shared again or after a
 * restart finds it unchanged; `--copy` keeps today's private copy.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon, tcpAddress, } from './processes.js'
import { flipByte } from './bit-rot.js'

const MiB = 1024 * 1024

/** Bytes the files under `dir` hold (apparent sizes), all the way down */
async function bytesUnder (dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/** Gives the file a whole-second mtime, one that utimes can put back exactly */
async function roundMtime (path: string): Promise<void> {
  const whole = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
  await utimes(path, whole, whole)
}

describe('sharing in place (real processes)', function () {
  this.timeout(240_000)
  let dir: string
  let sharer: DaemonProcess
  let getter: DaemonProcess

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const fileOf = async (id: string): Promise<any> => (await json(sharer, ['ls'])).find((f: any) => f.fileId === id)
  /** `get` from the sharer only, into `out`; the CLI result */
  const getFromSharer = async (id: string, out: string): Promise<Awaited<ReturnType<typeof cli>>> =>
    cli(['--repo', getter.repo, '--json', 'get', id, '--peer', tcpAddress(sharer), '--timeout', '5', '-o', out], dir)

  async function eventually (what: string, test: () => Promise<boolean>): Promise<void> {
    const end = Date.now() + 60_000
    while (!(await test())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }

  async function restartSharer (): Promise<void> {
    sharer.child.kill('SIGTERM')
    await sharer.exited
    sharer = await startDaemon(sharer.repo, dir)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-in-place-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    getter = await startDaemon(join(dir, 'getter'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('shares without a copy in the repo; a second node downloads it byte for byte', async () => {
    const src = join(dir, 'big.bin')
    await writeFile(src, randomBytes(8 * MiB + 123))
    const shared = await json(sharer, ['share', src])
    assert.equal(shared.path, src)
    assert.ok(await bytesUnder(join(sharer.repo, 'blobs')) < MiB, 'no copy of the file in the repo')
    const out = join(dir, 'big-copy.bin')
    const result = await getFromSharer(shared.fileId, out)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), await sha256File(src))
    // rm forgets the share; the file is the user's and stays
    await json(sharer, ['rm', shared.fileId])
    assert.equal((await stat(src)).size, 8 * MiB + 123)
  })

  it('one byte changed (mtime kept): that chunk is refused, never sent; the file is withdrawn and ls says why', async () => {
    const src = join(dir, 'edited.bin')
    await writeFile(src, randomBytes(3 * MiB + 5))
    await roundMtime(src)
    const shared = await json(sharer, ['share', src])
    await flipByte(src, MiB + 100)
    const out = join(dir, 'edited-copy.bin')
    const result = await getFromSharer(shared.fileId, out)
    assert.notEqual(result.code, 0, 'the download cannot complete: the changed chunk is not sent')
    await eventually('the file to be withdrawn as modified', async () => (await fileOf(shared.fileId))?.status === 'modified')
    assert.match((await fileOf(shared.fileId)).reason, /chunk 1 no longer matches/)
    // shared again as it is now: a new file id, served
    const again = await json(sharer, ['share', src])
    assert.notEqual(again.fileId, shared.fileId)
    assert.equal((await fileOf(again.fileId)).status, 'ok')
    const res = await getFromSharer(again.fileId, join(dir, 'edited-again.bin'))
    assert.equal(res.code, 0, res.stderr)
    assert.equal(await sha256File(join(dir, 'edited-again.bin')), await sha256File(src))
  })

  it('appended to, deleted or moved: withdrawn with the reason, not served, and it stays so when put back', async () => {
    const grown = join(dir, 'grown.bin')
    const gone = join(dir, 'gone.bin')
    const moved = join(dir, 'moved.bin')
    for (const path of [grown, gone, moved]) await writeFile(path, randomBytes(MiB + 7))
    const [a, b, c] = [await json(sharer, ['share', grown]), await json(sharer, ['share', gone]), await json(sharer, ['share', moved])]
    const tombstones = async (): Promise<number> => (await json(sharer, ['status'])).discovery.tombstones
    const withdrawn = async (): Promise<number> => (await json(sharer, ['status'])).inPlace.withdrawn
    const before = await tombstones()
    const withdrawnBefore = await withdrawn()
    await appendFile(grown, 'x')
    await rm(gone)
    await rename(moved, `${moved}.elsewhere`)
    const listed = async (id: string): Promise<any> => fileOf(id)
    assert.equal((await listed(a.fileId)).status, 'modified')
    assert.match((await listed(a.fileId)).reason, /size/)
    assert.equal((await listed(b.fileId)).status, 'missing')
    assert.match((await listed(b.fileId)).reason, /ENOENT/)
    assert.equal((await listed(c.fileId)).status, 'missing')
    // their offers are withdrawn, as rm does
    await eventually('the three offers to be withdrawn', async () => (await tombstones()) === before + 3)
    assert.equal(await withdrawn(), withdrawnBefore + 3)
    assert.match((await cli(['--repo', sharer.repo, 'status'], dir)).stdout, /in place .* changed or gone, not served \(see ls\)/)
    const human = await cli(['--repo', sharer.repo, 'ls'], dir)
    assert.match(human.stdout, /grown\.bin {2}\(modified: .*size .*; not served\)/)
    assert.notEqual((await getFromSharer(c.fileId, join(dir, 'moved-copy.bin'))).code, 0)
    // moved back, it stays withdrawn until shared again
    await rename(`${moved}.elsewhere`, moved)
    assert.equal((await listed(c.fileId)).status, 'missing')
    assert.equal((await json(sharer, ['share', moved])).fileId, c.fileId)
    assert.equal((await listed(c.fileId)).status, 'ok')
    await eventually('the offer to be published again', async () => (await tombstones()) === before + 2)
    assert.equal(await withdrawn(), withdrawnBefore + 2)
  })

  it('--copy keeps a private copy: served after the source is deleted', async () => {
    const src = join(dir, 'copied.bin')
    await writeFile(src, randomBytes(2 * MiB + 1))
    const want = await sha256File(src)
    const shared = await json(sharer, ['share', '--copy', src])
    assert.equal(shared.path, undefined)
    await rm(src)
    assert.equal((await fileOf(shared.fileId)).status, 'ok')
    const out = join(dir, 'copied-copy.bin')
    const result = await getFromSharer(shared.fileId, out)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), want)
  })

  it('a get of a file the node shares itself copies it from where it is, asking no peer; --hold of it is done at once', async () => {
    const src = join(dir, 'own.bin')
    await writeFile(src, randomBytes(3 * MiB + 7))
    const shared = await json(sharer, ['share', src])
    const out = join(dir, 'own-copy.bin')
    // with no other provider this stalled until the timeout (LIMITS known gap 22)
    const got = await cli(['--repo', sharer.repo, '--json', 'get', shared.fileId, '-o', out, '--timeout', '60'], dir)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(out), await sha256File(src))
    const held = await cli(['--repo', sharer.repo, 'get', shared.fileId, '--hold', '--timeout', '60'], dir)
    assert.equal(held.code, 0, held.stderr)
    assert.match(held.stdout, new RegExp(`^Holding own\\.bin \\(.*\\) at ${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, served to peers`))
    // detached, the answer says it is done: nothing is left to follow in `transfers`
    const detachedOut = join(dir, 'own-detached.bin')
    const detached = await cli(['--repo', sharer.repo, 'get', shared.fileId, '-o', detachedOut, '--detach'], dir)
    assert.equal(detached.code, 0, detached.stderr)
    assert.match(detached.stdout, /^Copied own\.bin to .*own-detached\.bin: this node keeps the file/)
    assert.equal(await sha256File(detachedOut), await sha256File(src))
    // the share is as it was: served from its place, no copy in the repo, nothing left in transfers
    const file = await fileOf(shared.fileId)
    assert.equal(file.status, 'ok')
    assert.equal(file.path, src)
    assert.equal((await json(sharer, ['transfers'])).some((t: any) => t.fileId === shared.fileId), false)
  })

  it('a 0-byte file, an odd name and a folder are shared in place', async () => {
    const empty = join(dir, 'empty.bin')
    await writeFile(empty, '')
    const odd = join(dir, 'odd name ünï — [1] #2.txt')
    await writeFile(odd, randomBytes(70_000))
    const folder = join(dir, 'folder')
    await mkdir(join(folder, 'sub'), { recursive: true })
    await writeFile(join(folder, 'one.bin'), randomBytes(MiB + 3))
    await writeFile(join(folder, 'sub', 'two.bin'), randomBytes(300_000))
    const blobsBefore = await bytesUnder(join(sharer.repo, 'blobs'))
    const zero = await json(sharer, ['share', empty])
    const named = await json(sharer, ['share', odd])
    const collection = await json(sharer, ['share', folder])
    assert.equal(zero.size, 0)
    assert.equal(named.path, odd)
    // the collection's listing is a small file in the repo; its files are not copied
    assert.ok(await bytesUnder(join(sharer.repo, 'blobs')) - blobsBefore < 64 * 1024)
    for (const [id, src] of [[zero.fileId, empty], [named.fileId, odd]]) {
      const out = join(dir, `got-${id}`)
      const result = await getFromSharer(id, out)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(await sha256File(out), await sha256File(src))
    }
    const outDir = join(dir, 'folder-copy')
    const got = await cli(['--repo', getter.repo, '--json', 'get', collection.collectionId, '--peer', tcpAddress(sharer), '-o', outDir], dir)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(join(outDir, 'sub', 'two.bin')), await sha256File(join(folder, 'sub', 'two.bin')))
  })

  it('after a restart, files unchanged are served again; one touched while down hashes clean and is served; one changed is withdrawn', async () => {
    const kept = join(dir, 'kept.bin')
    const touched = join(dir, 'touched.bin')
    const changed = join(dir, 'changed.bin')
    for (const path of [kept, touched, changed]) await writeFile(path, randomBytes(MiB + 11))
    const [k, t, c] = [await json(sharer, ['share', kept]), await json(sharer, ['share', touched]), await json(sharer, ['share', changed])]
    sharer.child.kill('SIGTERM')
    await sharer.exited
    const later = new Date(Date.now() + 60_000)
    await utimes(touched, later, later)
    await flipByte(changed, 10)
    await utimes(changed, later, later)
    sharer = await startDaemon(sharer.repo, dir)
    await eventually('the touched file to hash clean', async () => (await fileOf(t.fileId))?.status === 'ok')
    await eventually('the changed file to be withdrawn', async () => (await fileOf(c.fileId))?.status === 'modified')
    assert.equal((await fileOf(k.fileId)).status, 'ok')
    for (const [id, src] of [[k.fileId, kept], [t.fileId, touched]]) {
      const out = join(dir, `restarted-${id}`)
      const result = await getFromSharer(id, out)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(await sha256File(out), await sha256File(src))
    }
    await restartSharer()
    assert.equal((await fileOf(c.fileId)).status, 'modified', 'still withdrawn after another restart')
  })
})
