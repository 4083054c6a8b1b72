/**
 * Folders and several files (collections) through the real program: two daemons with
 * default settings (no mDNS, loopback), a tree with nested folders, 1,000 small files,
 * a 64 MiB file, an empty file and folder and odd names, round-tripped byte for byte;
 * `share a b c`; a symlink planted in the target is not followed; an unreadable file
 * gives ERR_PERMISSION_DENIED.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, chmod, lstat, mkdir, mkdtemp, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, type Result, sha256File, start, startDaemon, tcpAddress } from './processes.js'

const MiB = 1024 * 1024
const SMALL_FILES = 1000
// a name of 250 UTF-8 bytes, near the 255 most file systems allow
const LONG_NAME = `${'ü'.repeat(100)}${'l'.repeat(46)}.txt`

/** Every entry under `root` by relative path: `dir`, `symlink`, or the file's SHA-256 */
async function tree (root: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isSymbolicLink()) out.set(rel, 'symlink')
    else if (entry.isDirectory()) {
      out.set(rel, 'dir')
      for (const [k, v] of await tree(root, rel)) out.set(k, v)
    } else out.set(rel, await sha256File(join(root, rel)))
  }
  return out
}

/** Runs the CLI with a longer timeout than `cli` (a big collection on a busy machine) */
async function slowCli (args: string[], cwd: string, timeoutMs = 170_000): Promise<Result> {
  const proc = start(args, cwd)
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs)
  try {
    const { code, signal } = await proc.exited
    return { code, signal, stdout: proc.stdout(), stderr: proc.stderr() }
  } finally {
    clearTimeout(timer)
  }
}

/** The last NDJSON line `get --json` printed */
function lastEvent (result: Result): any {
  assert.equal(result.code, 0, result.stderr)
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')
}

describe('collections end to end (real processes)', function () {
  this.timeout(300_000)
  let dir: string
  let sharer: DaemonProcess
  let getter: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-collections-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    getter = await startDaemon(join(dir, 'getter'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('round-trips a folder byte for byte: nesting, 1,000 small files, 64 MiB, empty file and folder, odd names', async () => {
    const src = join(dir, 'my folder')
    await mkdir(join(src, 'a', 'b', 'c'), { recursive: true })
    await mkdir(join(src, 'many'))
    await mkdir(join(src, 'empty folder'))
    for (let i = 0; i < SMALL_FILES; i++) await writeFile(join(src, 'many', `f${i}.txt`), randomBytes(16 + (i % 200)))
    await writeFile(join(src, 'a', 'b', 'c', 'big.bin'), randomBytes(64 * MiB))
    await writeFile(join(src, 'empty.txt'), '')
    await writeFile(join(src, 'with spaces in it.txt'), 'spaces')
    await writeFile(join(src, 'ünïcödé 日本語.txt'), 'unicode')
    await writeFile(join(src, '.hidden'), 'dot')
    await writeFile(join(src, 'a', LONG_NAME), 'long')
    await symlink('/etc', join(src, 'a', 'link to etc'))

    let began = Date.now()
    const shared = await cliJson(sharer, ['share', src, '--tag', 'folder'], dir)
    const shareMs = Date.now() - began
    assert.equal(shared.name, 'my folder')
    assert.equal(shared.files, SMALL_FILES + 6)
    assert.equal(shared.directories, 1)
    assert.deepEqual(shared.skipped, ['a/link to etc'])

    const out = join(dir, 'received')
    began = Date.now()
    const done = lastEvent(await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '--peer', tcpAddress(sharer), '-o', out], dir))
    const getMs = Date.now() - began
    console.log(`      share of ${SMALL_FILES + 6} files (64 MiB): ${shareMs} ms; get: ${getMs} ms`)
    assert.equal(done.type, 'done')
    assert.equal(done.collection.collectionId, shared.collectionId)

    const expected = await tree(src)
    expected.delete('a/link to etc')
    const received = await tree(out)
    assert.equal(received.size, expected.size)
    assert.deepEqual(received, expected)
    assert.equal((await stat(join(out, 'empty.txt'))).size, 0)
    assert.ok((await stat(join(out, 'empty folder'))).isDirectory())
    // made for the user: the modes the user's umask gives, as the files inside have (the daemon runs with umask 077)
    const dirMode = 0o777 & ~process.umask()
    for (const folder of ['', 'a', 'a/b/c', 'empty folder']) assert.equal((await stat(join(out, folder))).mode & 0o777, dirMode, `mode of ${folder || 'the root'}`)
    assert.equal((await stat(join(out, 'empty.txt'))).mode & 0o777, 0o666 & ~process.umask())

    // ls shows the collection with its file count and size, human and --json
    const listed = (await cliJson(getter, ['ls'], dir)).find((x: any) => x.collectionId === shared.collectionId)
    assert.equal(listed.files, SMALL_FILES + 6)
    assert.equal(listed.size, shared.size)
    const human = await cli(['--repo', getter.repo, 'ls'], dir)
    assert.match(human.stdout, new RegExp(`^${shared.collectionId}\\s+${SMALL_FILES + 6}\\s+\\S+ MiB\\s+other\\s+my folder\\s+folder$`, 'm'))

    // getting it again finds every file in place and verified
    const again = lastEvent(await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '-o', out], dir))
    assert.equal(again.type, 'done')
  })

  it('shares several paths as one collection (`share a b c`); get --force puts back a file edited in the tree', async () => {
    const a = join(dir, 'a.txt')
    const b = join(dir, 'b.bin')
    const c = join(dir, 'c')
    await writeFile(a, 'a')
    await writeFile(b, randomBytes(3000))
    await mkdir(join(c, 'inner'), { recursive: true })
    await writeFile(join(c, 'inner', 'd.txt'), 'd')
    const shared = await cliJson(sharer, ['share', a, b, c], dir)
    assert.equal(shared.files, 3)
    const out = join(dir, 'abc')
    lastEvent(await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '--peer', tcpAddress(sharer), '-o', out], dir))
    assert.deepEqual([...(await tree(out)).keys()].sort(), ['a.txt', 'b.bin', 'c', 'c/inner', 'c/inner/d.txt'])
    assert.equal(await sha256File(join(out, 'b.bin')), await sha256File(b))

    // a file of the tree edited: the same get refuses it, and says what --force does; --force puts it back
    await writeFile(join(out, 'b.bin'), 'edited')
    const refused = await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '-o', out], dir)
    assert.equal(refused.code, 1)
    assert.equal(jsonError(refused).code, 'ERR_OUTPUT_EXISTS')
    assert.match(jsonError(refused).message, /b\.bin \(--force replaces it\)/)
    lastEvent(await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '-o', out, '--force'], dir))
    assert.equal(await sha256File(join(out, 'b.bin')), await sha256File(b))
  })

  it('does not follow a symlink planted in the target directory', async () => {
    const src = join(dir, 'planted')
    await mkdir(join(src, 'docs'), { recursive: true })
    await writeFile(join(src, 'docs', 'note.txt'), 'note')
    const shared = await cliJson(sharer, ['share', src], dir)
    const out = join(dir, 'planted-out')
    const victim = join(dir, 'victim')
    await mkdir(out)
    await mkdir(victim)
    await symlink(victim, join(out, 'docs'))
    const result = await slowCli(['--repo', getter.repo, '--json', 'get', shared.collectionId, '--peer', tcpAddress(sharer), '-o', out], dir)
    assert.equal(result.code, 1)
    assert.equal(jsonError(result).code, 'ERR_OUTPUT_UNSAFE')
    assert.deepEqual(await readdir(victim), [])
    assert.ok((await lstat(join(out, 'docs'))).isSymbolicLink())
  })

  it('says ERR_PERMISSION_DENIED for a file the daemon cannot read', async function () {
    // root reads a mode-000 file anyway; a write-only /proc file is unreadable even for root
    let path = join(dir, 'secret.txt')
    await writeFile(path, 'secret')
    await chmod(path, 0o000)
    if (await access(path, constants.R_OK).then(() => true, () => false)) {
      path = '/proc/sys/vm/drop_caches'
      if (!(await stat(path).then(s => s.isFile(), () => false))) return this.skip()
    }
    const result = await cli(['--repo', sharer.repo, '--json', 'share', path], dir)
    assert.equal(result.code, 1)
    assert.equal(jsonError(result).code, 'ERR_PERMISSION_DENIED')
  })
})
