/**
 * Tickets, id prefixes, persistent limits, repo file modes and files changed on disk,
 * through the real program: daemons with their defaults (only --no-mdns and a
 * loopback --listen), and CLI processes against them.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertHumanFailure, cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon } from './processes.js'

const MiB = 1024 * 1024

describe('tickets, id prefixes, saved limits, private repos, changed files (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let sharer: DaemonProcess
  let getter: DaemonProcess
  let file: string
  let shared: any

  const json = async (d: DaemonProcess, args: string[], cwd = dir): Promise<any> => cliJson(d, args, cwd)
  const stopDaemon = async (d: DaemonProcess): Promise<void> => {
    d.child.kill('SIGTERM')
    await d.exited
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-tickets-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    // the getter knows nobody: no bootstrap peers, no mDNS, an empty peer store
    getter = await startDaemon(join(dir, 'getter'), dir)
    file = join(dir, 'holiday photos.bin')
    await writeFile(file, randomBytes(3 * MiB + 123))
    shared = await json(sharer, ['share', file])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('share prints a ticket; a node with no bootstrap peers gets the file by it, byte for byte, under the ticket\'s name', async () => {
    assert.match(shared.ticket, /^peershare1[a-z2-7]+$/)
    const human = await cli(['--repo', sharer.repo, 'share', file], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^ticket {3}peershare1[a-z2-7]+$/m)
    assert.equal((await json(getter, ['peers'])).length, 0, 'the getter starts alone')

    const into = join(dir, 'downloads')
    await mkdir(into)
    const result = await cli(['--repo', getter.repo, 'get', shared.ticket], into)
    assert.equal(result.code, 0, result.stderr)
    const saved = join(into, 'holiday photos.bin')
    assert.equal(await sha256File(saved), await sha256File(file))
    const files = await json(getter, ['ls'])
    assert.deepEqual(files.map((f: any) => [f.fileId, f.status]), [[shared.fileId, 'ok']])
    assert.ok((await json(getter, ['peers'])).some((p: any) => p.peerId === sharer.info.peerId), 'connected to the sharer by the ticket')
  })

  it('peershare ticket prints a fresh ticket (by id or unique prefix); unknown ids and damaged tickets fail with one line', async () => {
    const fresh = await cli(['--repo', sharer.repo, 'ticket', shared.fileId], dir)
    assert.equal(fresh.code, 0, fresh.stderr)
    assert.match(fresh.stdout, /^peershare1[a-z2-7]+\n$/)
    const info = await json(sharer, ['ticket', shared.fileId.slice(0, 20)])
    assert.equal(info.id, shared.fileId)
    assert.equal(info.name, 'holiday photos.bin')
    assert.ok(info.addresses.length > 0 && info.addresses.every((a: string) => a.endsWith(`/p2p/${sharer.info.peerId}`)))

    const unknown = await cli(['--repo', sharer.repo, '--json', 'ticket', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'], dir)
    assert.equal(unknown.code, 1)
    assert.equal(jsonError(unknown).code, 'ERR_FILE_NOT_FOUND')
    assertHumanFailure(await cli(['--repo', sharer.repo, 'ticket', 'bnotanidatall'], dir))

    const damaged = `${shared.ticket.slice(0, 40)}${shared.ticket[40] === 'a' ? 'b' : 'a'}${shared.ticket.slice(41)}`
    for (const bad of [damaged, shared.ticket.slice(0, -5)]) {
      const result = await cli(['--repo', getter.repo, '--json', 'get', bad, '-o', join(dir, 'never.bin')], dir)
      assert.equal(result.code, 1)
      assert.equal(jsonError(result).code, 'ERR_INVALID_TICKET')
      assertHumanFailure(await cli(['--repo', getter.repo, 'get', bad], dir))
    }
  })

  it('pause, resume, cancel and rm take a unique prefix of the id; an ambiguous one is refused', async () => {
    const big = join(dir, 'big.bin')
    await writeFile(big, randomBytes(8 * MiB))
    const bigId = (await json(sharer, ['share', big])).fileId
    // slow the getter down (not saved), so the download can be caught running
    await json(getter, ['limits', '--download', '512KiB', '--temporary'])
    const { ticket } = await json(sharer, ['ticket', bigId])
    await json(getter, ['get', ticket, '-o', join(dir, 'big-copy.bin'), '--detach'])
    const prefix = uniquePrefix(bigId, [shared.fileId])
    assert.equal((await json(getter, ['pause', prefix])).state, 'paused')
    assert.equal((await json(getter, ['resume', prefix])).state, 'running')
    assert.deepEqual(await json(getter, ['cancel', prefix]), { cancelled: bigId })
    const none = await cli(['--repo', getter.repo, '--json', 'pause', prefix], dir)
    assert.equal(jsonError(none).code, 'ERR_FILE_NOT_FOUND')

    // the sharer has two files whose ids share their first characters
    const common = commonPrefix(shared.fileId, bigId)
    const ambiguous = await cli(['--repo', sharer.repo, '--json', 'rm', common], dir)
    assert.equal(ambiguous.code, 1)
    const error = jsonError(ambiguous)
    assert.equal(error.code, 'ERR_AMBIGUOUS_ID')
    assert.match(error.message, /2/)
    assert.deepEqual(await json(sharer, ['rm', uniquePrefix(bigId, [shared.fileId])]), { removed: bigId })
    await json(getter, ['limits', '--download', '0', '--temporary'])
  })

  it('every file and directory in both repos is private to its user (0600 / 0700), downloads keep the user\'s modes', async () => {
    for (const d of [sharer, getter]) {
      const loose = await looseModes(d.repo)
      assert.deepEqual(loose, [], `${d.repo}: ${loose.join(', ')}`)
    }
    const mask = process.umask()
    assert.equal((await stat(join(dir, 'downloads', 'holiday photos.bin'))).mode & 0o777, 0o666 & ~mask)
  })

  it('a downloaded file changed on disk is shown as modified and is not served any more', async () => {
    const saved = join(dir, 'downloads', 'holiday photos.bin')
    await appendFile(saved, 'edited')
    const [entry] = await json(getter, ['ls'])
    assert.equal(entry.status, 'modified')
    const human = await cli(['--repo', getter.repo, 'ls'], dir)
    assert.match(human.stdout, /holiday photos\.bin {2}\(modified: [^)]*; not served\)/)
    // a third node asking the getter for it gets nothing from the getter (the LAN DHT may
    // lead it to the sharer, which still serves it)
    const third = await startDaemon(join(dir, 'third'), dir)
    const getterAddr = getter.info.addresses.find(a => a.includes('/tcp/')) ?? ''
    const result = await cli(['--repo', third.repo, '--json', 'get', shared.fileId, '--peer', getterAddr, '--timeout', '20', '-o', join(dir, 'third.bin')], dir)
    const events = result.stdout.trim().split('\n').filter(line => line !== '').map(line => JSON.parse(line))
    const fromGetter = events.flatMap((e: any) => e.sourceStats ?? []).filter((s: any) => s.peerId === getter.info.peerId && s.bytes > 0)
    assert.deepEqual(fromGetter, [], 'the getter served nothing of its modified copy')
    if (result.code === 0) assert.equal(await sha256File(join(dir, 'third.bin')), shared.sha256)
    await stopDaemon(third)
  })

  it('limits changed at run time are saved in config.json (other settings kept, mode 0600); --temporary ones are not', async () => {
    const repo = join(dir, 'limited')
    await mkdir(repo, { mode: 0o700 })
    const config = join(repo, 'config.json')
    await writeFile(config, JSON.stringify({ limits: { uploadPerPeer: '1MiB' }, lookupTimeout: 20_000 }))
    let node = await startDaemon(repo, dir)
    await json(node, ['limits', '--upload', '8MiB'])
    await json(node, ['limits', '--download', '2MiB', '--temporary'])
    assert.deepEqual(await json(node, ['limits']), { upload: 8 * MiB, uploadPerPeer: MiB, download: 2 * MiB })
    const written = JSON.parse(await readFile(config, 'utf8'))
    assert.deepEqual(written, { limits: { uploadPerPeer: '1MiB', upload: 8 * MiB }, lookupTimeout: 20_000 })
    assert.equal((await stat(config)).mode & 0o777, 0o600)

    await stopDaemon(node)
    node = await startDaemon(repo, dir)
    assert.deepEqual(await json(node, ['limits']), { upload: 8 * MiB, uploadPerPeer: MiB, download: 0 })
    await stopDaemon(node)
  })

  // last: the sharer's extra files would make the prefixes of the tests above ambiguous
  it('a folder\'s ticket: a node with no bootstrap peers recreates the tree by it; `ticket` works for a collection id too', async () => {
    const folder = join(dir, 'album')
    await mkdir(join(folder, 'day 1'), { recursive: true })
    await writeFile(join(folder, 'day 1', 'a.bin'), randomBytes(MiB + 7))
    await writeFile(join(folder, 'notes.txt'), 'hello')
    const collection = await json(sharer, ['share', folder])
    assert.match(collection.ticket, /^peershare1[a-z2-7]+$/)
    const fresh = await json(sharer, ['ticket', collection.collectionId])
    assert.equal(fresh.id, collection.collectionId)
    // a node that knows nobody
    const alone = await startDaemon(join(dir, 'alone'), dir)
    const into = join(dir, 'album-copy')
    const result = await cli(['--repo', alone.repo, 'get', fresh.ticket, '-o', into], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(join(into, 'day 1', 'a.bin')), await sha256File(join(folder, 'day 1', 'a.bin')))
    assert.equal(await readFile(join(into, 'notes.txt'), 'utf8'), 'hello')
    await stopDaemon(alone)
  })
})

/** Paths under `root` whose mode is not 0700 (directories) or 0600 (files) */
async function looseModes (root: string): Promise<string[]> {
  const loose: string[] = []
  const check = async (path: string, expected: number): Promise<void> => {
    const mode = (await stat(path)).mode & 0o777
    if (mode !== expected) loose.push(`${path} ${mode.toString(8)}`)
  }
  await check(root, 0o700)
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isDirectory()) await check(path, 0o700)
    else if (entry.isFile()) await check(path, 0o600)
  }
  return loose
}

/** The shortest prefix of `id` that no other id starts with */
function uniquePrefix (id: string, others: string[]): string {
  for (let n = 1; n <= id.length; n++) {
    if (others.every(o => !o.startsWith(id.slice(0, n)))) return id.slice(0, n)
  }
  return id
}

function commonPrefix (a: string, b: string): string {
  let n = 0
  while (n < a.length && a[n] === b[n]) n++
  return a.slice(0, n)
}
