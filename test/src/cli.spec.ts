/**
 * The whole `peershare` program as users run it: two real daemon processes on
 * 127.0.0.1, each with its own temporary repo, driven by real CLI processes.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertHumanFailure, cli, closedPort, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon, } from './processes.js'

const FILE_SIZE = 3 * 1024 * 1024 + 17

describe('peershare CLI end to end (real processes)', function () {
  this.timeout(60_000)
  let dir: string
  let a: DaemonProcess
  let b: DaemonProcess
  let source: string
  let fileId: string

  /** A's TCP address with /p2p/<peer id> */
  const addressOfA = (): string => {
    const address = a.info.addresses.find(addr => addr.includes('/tcp/') && addr.includes('/p2p/'))
    assert.ok(address, `A has a TCP address: ${a.info.addresses.join(' ')}`)
    return address
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-cli-e2e-'))
    ;[a, b] = await Promise.all([startDaemon(join(dir, 'repo-a'), dir), startDaemon(join(dir, 'repo-b'), dir)])
    source = join(dir, 'source.bin')
    await writeFile(source, randomBytes(FILE_SIZE))
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('daemon prints one JSON line with peer id, addresses and API, and publishes api.json', async () => {
    assert.match(a.info.peerId, /^12D3Koo/)
    assert.notEqual(a.info.peerId, b.info.peerId)
    assert.match(a.info.api, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(a.info.addresses.every(addr => addr.endsWith(`/p2p/${a.info.peerId}`)))
    const endpoint = JSON.parse(await readFile(join(a.repo, 'api.json'), 'utf8'))
    assert.equal(endpoint.url, a.info.api)
  })

  it('id shows the running daemon\'s peer id and addresses', async () => {
    const [json, human] = await Promise.all([cli(['id', '--repo', a.repo, '--json'], dir), cli(['--repo', a.repo, 'id'], dir)])
    assert.equal(json.code, 0, json.stderr)
    const info = JSON.parse(json.stdout)
    assert.equal(info.peerId, a.info.peerId)
    assert.deepEqual(info.addresses, a.info.addresses)
    assert.equal(human.code, 0, human.stderr)
    assert.ok(human.stdout.includes(a.info.peerId))
    assert.ok(human.stdout.includes(addressOfA()))
  })

  it('a second daemon on the same repo refuses with one line', async () => {
    const [json, human] = await Promise.all([
      cli(['daemon', '--repo', a.repo, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], dir),
      cli(['daemon', '--repo', a.repo, '--listen', '/ip4/127.0.0.1/tcp/0'], dir)
    ])
    assert.equal(json.code, 1)
    assert.equal(jsonError(json).code, 'ERR_DAEMON_RUNNING')
    assertHumanFailure(human)
    assert.ok(existsSync(join(a.repo, 'api.json')), 'the running daemon keeps its api.json')
  })

  it('share prints the file id and metadata of a 3 MiB + 17 B file', async () => {
    const result = await cli(['share', source, '--repo', a.repo, '--tag', 'e2e', '--description', 'random bytes', '--json'], dir)
    assert.equal(result.code, 0, result.stderr)
    const file = JSON.parse(result.stdout)
    assert.equal(file.size, FILE_SIZE)
    assert.equal(file.name, 'source.bin')
    assert.equal(file.sha256, await sha256File(source))
    assert.deepEqual(file.tags, ['e2e'])
    fileId = file.fileId
  })

  it('ls on the sharer lists the file', async () => {
    const [json, human] = await Promise.all([cli(['ls', '--repo', a.repo, '--json'], dir), cli(['ls', '--repo', a.repo], dir)])
    assert.equal(json.code, 0, json.stderr)
    const files = JSON.parse(json.stdout)
    assert.deepEqual(files.map((f: { fileId: string }) => f.fileId), [fileId])
    assert.equal(human.code, 0, human.stderr)
    const row = human.stdout.split('\n').find(line => line.startsWith(fileId))
    assert.ok(row, human.stdout)
    assert.match(row, /3\.0 MiB\s+other\s+source\.bin\s+e2e$/)
  })

  // before the download: afterwards B keeps a connection to A, and libp2p would reuse it for any address of A
  it('get from an unreachable peer waits, stalled, until --timeout: exit 1, the download left paused', async () => {
    const unreachable = `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${a.info.peerId}`
    const args = ['get', fileId, '--peer', unreachable, '--repo', b.repo, '-o', join(dir, 'never.bin'), '--timeout', '1']
    const json = await cli([...args, '--json'], dir)
    assert.equal(json.code, 1)
    assert.equal(jsonError(json).code, 'ERR_TIMEOUT')
    const events = json.stdout.trim().split('\n').map(line => JSON.parse(line))
    assert.ok(events.some(e => e.state === 'stalled' && e.stallReason === 'providers-unreachable'), json.stdout)
    // the second get attaches to the paused download, resumes it, and gives up the same way
    const human = await cli(args, dir)
    assertHumanFailure(human)
    assert.equal(existsSync(join(dir, 'never.bin')), false)
    const cancelled = await cli(['--repo', b.repo, 'cancel', fileId], dir)
    assert.equal(cancelled.code, 0, cancelled.stderr)
  })

  it('get on the other node downloads the file byte-identically, reporting progress as JSON lines', async () => {
    const output = join(dir, 'downloaded.bin')
    const result = await cli(['get', fileId, '--peer', addressOfA(), '-o', output, '--repo', b.repo, '--json'], dir)
    assert.equal(result.code, 0, result.stderr)
    const events = result.stdout.trim().split('\n').map(line => JSON.parse(line))
    const done = events.at(-1)
    assert.equal(done.type, 'done')
    assert.equal(done.path, output)
    assert.equal(done.file.fileId, fileId)
    // the size is unknown (null) until the first source's manifest arrives
    assert.ok(events.slice(0, -1).every(e => e.type === 'progress' && (e.bytesTotal === FILE_SIZE || e.bytesTotal === null)), 'progress events, then done')
    assert.equal(events.at(-2).bytesTotal, FILE_SIZE)
    // its source answers at once: the download never said it was stalled (it did as it began, before it looked)
    assert.deepEqual(events.filter(e => e.state === 'stalled'), [])
    assert.equal(await sha256File(output), await sha256File(source))
  })

  it('get into a directory saves under the file\'s name; the human form prints the saved path', async () => {
    const into = join(dir, 'downloads')
    await mkdir(into)
    const result = await cli(['get', fileId, '--peer', addressOfA(), '-o', 'downloads', '--repo', b.repo], dir)
    assert.equal(result.code, 0, result.stderr)
    const saved = join(into, 'source.bin')
    assert.ok(result.stdout.trim().endsWith(saved), result.stdout)
    assert.equal(await sha256File(saved), await sha256File(source))
  })

  it('get to an existing output fails with ERR_OUTPUT_EXISTS, checked by the CLI and by the daemon', async () => {
    const args = (output: string): string[] => ['get', fileId, '--peer', addressOfA(), '-o', output, '--repo', b.repo]
    const before = await sha256File(join(dir, 'downloaded.bin'))
    const [file, intoDir, human] = await Promise.all([
      cli([...args('downloaded.bin'), '--json'], dir),
      // a directory passes the CLI's check; the daemon finds downloads/source.bin there
      cli([...args('downloads'), '--json'], dir),
      cli(args('downloaded.bin'), dir)
    ])
    assert.equal(file.code, 1)
    assert.equal(jsonError(file).code, 'ERR_OUTPUT_EXISTS')
    assert.equal(intoDir.code, 1)
    assert.equal(jsonError(intoDir).code, 'ERR_OUTPUT_EXISTS')
    assertHumanFailure(human)
    assert.equal(await sha256File(join(dir, 'downloaded.bin')), before, 'the existing file is untouched')
  })

  it('get without a running daemon fails with ERR_DAEMON_NOT_RUNNING (no api.json, or a stale one)', async () => {
    const empty = join(dir, 'empty-repo')
    const stale = join(dir, 'stale-repo')
    await mkdir(stale)
    await writeFile(join(stale, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${await closedPort()}`, token: 'x', pid: 1 }))
    const args = (repo: string): string[] => ['get', fileId, '--peer', addressOfA(), '--repo', repo, '-o', join(dir, 'never.bin')]
    const [none, staleResult, human] = await Promise.all([cli([...args(empty), '--json'], dir), cli([...args(stale), '--json'], dir), cli(args(empty), dir)])
    for (const result of [none, staleResult]) {
      assert.equal(result.code, 1)
      assert.equal(jsonError(result).code, 'ERR_DAEMON_NOT_RUNNING')
    }
    assertHumanFailure(human)
  })

  it('get with a bad file id fails with ERR_INVALID_FILE_ID', async () => {
    const args = ['get', 'not-a-file-id', '--peer', addressOfA(), '--repo', b.repo]
    const [json, human] = await Promise.all([cli([...args, '--json'], dir), cli(args, dir)])
    assert.equal(json.code, 1)
    assert.equal(jsonError(json).code, 'ERR_INVALID_FILE_ID')
    assertHumanFailure(human)
  })

  it('share of a missing file fails with ERR_PATH_NOT_FOUND', async () => {
    const args = ['share', join(dir, 'missing.bin'), '--repo', a.repo]
    const [json, human] = await Promise.all([cli([...args, '--json'], dir), cli(args, dir)])
    assert.equal(json.code, 1)
    assert.equal(jsonError(json).code, 'ERR_PATH_NOT_FOUND')
    assertHumanFailure(human)
  })

  it('usage errors exit 2; --help and --version exit 0', async () => {
    const [usage, help, getHelp, version] = await Promise.all([
      cli(['get', '--repo', b.repo], dir),
      cli(['--help'], dir),
      cli(['get', '--help'], dir),
      cli(['--version'], dir)
    ])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /^peershare: [^\n]+\n$/)
    for (const result of [help, getHelp, version]) assert.equal(result.code, 0, result.stderr)
    assert.match(help.stdout, /^Usage: peershare/)
    assert.match(getHelp.stdout, /^Usage: peershare get/)
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  })

  it('stop ends a daemon as SIGTERM does and returns once its process is gone; then there is none to stop', async () => {
    for (const json of [false, true]) {
      const c = await startDaemon(join(dir, 'repo-c'), dir)
      const result = await cli(['--repo', c.repo, ...(json ? ['--json'] : []), 'stop'], dir)
      assert.equal(result.code, 0, result.stderr)
      if (json) assert.deepEqual(JSON.parse(result.stdout), { stopped: true, peerId: c.info.peerId, pid: c.child.pid })
      else assert.equal(result.stdout, `Stopped the daemon ${c.info.peerId} (pid ${c.child.pid})\n`)
      // gone when stop returned: its exit is in, or about to be read
      assert.deepEqual(await c.exited, { code: 0, signal: null })
      assert.equal(existsSync(join(c.repo, 'api.json')), false)
    }
    const none = await cli(['--repo', join(dir, 'repo-c'), '--json', 'stop'], dir)
    assert.equal(none.code, 1)
    assert.equal(jsonError(none).code, 'ERR_DAEMON_NOT_RUNNING')
  })

  it('SIGTERM stops both daemons: exit code 0, api.json removed', async () => {
    a.child.kill('SIGTERM')
    b.child.kill('SIGTERM')
    const [exitA, exitB] = await Promise.all([a.exited, b.exited])
    assert.deepEqual(exitA, { code: 0, signal: null })
    assert.deepEqual(exitB, { code: 0, signal: null })
    assert.equal(existsSync(join(a.repo, 'api.json')), false)
    assert.equal(existsSync(join(b.repo, 'api.json')), false)
  })
})
