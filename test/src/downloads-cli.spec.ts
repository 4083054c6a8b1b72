/**
 * Downloads that say what is happening, through the real program: `-o -` to stdout,
 * `-o dir/`, `--force`, `--timeout`, cancel of a finished download, `--peer` given an
 * address without /p2p/ (of a peer connected already, and of nobody), and a download
 * whose only source is offline: stalled with a reason, across a restart of the
 * downloading daemon and a Ctrl+C on an attached `get`, completed once the source is back.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, childEnv, children, cli, cliJson, closedPort, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, start, startDaemon, until } from './processes.js'

const MiB = 1024 * 1024

/** Runs `peershare <args>` and hashes its stdout as bytes */
async function hashStdout (args: string[], cwd: string): Promise<{ code: number | null, sha256: string, bytes: number, stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const hash = createHash('sha256')
  let bytes = 0
  let stderr = ''
  child.stdout.on('data', (part: Buffer) => {
    hash.update(part)
    bytes += part.byteLength
  })
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const code = await new Promise<number | null>(resolve => child.once('close', (c) => {
    children.delete(child)
    resolve(c)
  }))
  return { code, sha256: hash.digest('hex'), bytes, stderr }
}

describe('downloads that say what is happening (real processes)', function () {
  this.timeout(240_000)
  let dir: string
  let source: DaemonProcess
  let getter: DaemonProcess
  let sourcePort: number
  let getterPort: number
  let sourceAddr: string
  const files: Record<'a' | 'b', { path: string, fileId: string }> = { a: { path: '', fileId: '' }, b: { path: '', fileId: '' } }

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const startSource = async (): Promise<DaemonProcess> => startDaemon(join(dir, 'source'), dir, ['--listen', `/ip4/127.0.0.1/tcp/${sourcePort}`])
  const startGetter = async (): Promise<DaemonProcess> => startDaemon(join(dir, 'getter'), dir, ['--listen', `/ip4/127.0.0.1/tcp/${getterPort}`])
  /** Polls `providers` on the getter until the DHT names the source for `fileId` */
  const untilProvided = async (fileId: string): Promise<void> => {
    const end = Date.now() + 60_000
    for (;;) {
      const found = await cli(['--repo', getter.repo, '--json', 'providers', fileId, '--timeout', '3'], dir)
      if (found.code === 0 && found.stdout.includes(source.info.peerId)) return
      if (Date.now() > end) throw new Error(`the DHT never named the source of ${fileId}: ${found.stderr}`)
      await new Promise(resolve => setTimeout(resolve, 300))
    }
  }
  /** Polls `transfers` until `test` holds for the download of `fileId` (undefined once it is gone) */
  const waitFor = async (d: DaemonProcess, fileId: string, what: string, test: (t: any) => boolean): Promise<any> => {
    let last: any
    const end = Date.now() + 150_000
    while (Date.now() < end) {
      last = (await json(d, ['transfers'])).find((t: any) => t.fileId === fileId)
      if (test(last)) return last
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-downloads-e2e-'))
    sourcePort = await closedPort()
    getterPort = await closedPort()
    source = await startSource()
    getter = await startGetter()
    sourceAddr = `/ip4/127.0.0.1/tcp/${sourcePort}/p2p/${source.info.peerId}`
    // several chunks and an odd tail
    for (const [name, size] of [['a', 5 * MiB + 333], ['b', 3 * MiB + 77]] as const) {
      const path = join(dir, `${name}.bin`)
      await writeFile(path, randomBytes(size))
      files[name] = { path, fileId: (await json(source, ['share', path])).fileId }
    }
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('get -o - writes the file to stdout, and nothing else: its SHA-256 matches', async () => {
    const result = await hashStdout(['--repo', getter.repo, 'get', files.a.fileId, '--peer', sourceAddr, '-o', '-'], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.sha256, await sha256File(files.a.path))
    assert.equal(result.stderr, '', 'no progress when stderr is not a terminal')
  })

  it('-o with a path ending in / creates the directory and saves the file inside under its name', async () => {
    const target = `${join(dir, 'new', 'sub')}/`
    const result = await cli(['--repo', getter.repo, 'get', files.a.fileId, '--peer', sourceAddr, '-o', target], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(join(dir, 'new', 'sub', 'a.bin')), await sha256File(files.a.path))
  })

  it('an existing output file is an error; --force replaces it', async () => {
    const out = join(dir, 'exists.bin')
    await writeFile(out, 'old')
    const refused = await cli(['--repo', getter.repo, '--json', 'get', files.a.fileId, '--peer', sourceAddr, '-o', out], dir)
    assert.equal(refused.code, 1)
    assert.equal(jsonError(refused).code, 'ERR_OUTPUT_EXISTS')
    assert.equal(await readFile(out, 'utf8'), 'old')
    const forced = await cli(['--repo', getter.repo, 'get', files.a.fileId, '--peer', sourceAddr, '-o', out, '--force'], dir)
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(await sha256File(out), await sha256File(files.a.path))
  })

  it('cancel, pause or resume of a finished download says it is finished, by its id or a prefix of it', async () => {
    for (const [command, id] of [['cancel', files.a.fileId], ['pause', files.a.fileId.slice(0, 20)], ['resume', files.a.fileId.slice(0, 16)]]) {
      const result = await cli(['--repo', getter.repo, '--json', command, id], dir)
      assert.equal(result.code, 1)
      // a prefix said "No download matches"
      assert.equal(jsonError(result).code, 'ERR_TRANSFER_FINISHED', `${command} ${id}`)
    }
  })

  it('get --peer with an address without /p2p/, of a source it is connected to already, completes, and the daemon lives on', async () => {
    // the dial finds the connection there was and closes its own: TLS held that socket, and a reset of it crashed Node (SIGSEGV)
    const path = join(dir, 'c.bin')
    await writeFile(path, randomBytes(2 * MiB + 5))
    const { fileId } = await json(source, ['share', path])
    await json(getter, ['swarm', 'connect', sourceAddr])
    const out = join(dir, 'c-out.bin')
    const result = await cli(['--repo', getter.repo, 'get', fileId, '--peer', `/ip4/127.0.0.1/tcp/${sourcePort}`, '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), await sha256File(path))
    assert.equal(getter.child.exitCode, null, `the daemon exited: ${getter.stderr()}`)
    assert.equal(getter.child.signalCode, null, `the daemon was killed by ${getter.child.signalCode}`)
    assert.equal((await json(getter, ['status'])).peerId, getter.info.peerId)
  })

  it('get --peer with an address without /p2p/ that nobody answers on: the file comes from the source the DHT finds, and the daemon lives on', async () => {
    // a source named by an address alone is known by that address: its failure was looked up as a peer id, which threw and took the daemon down
    const path = join(dir, 'd.bin')
    await writeFile(path, randomBytes(MiB + 3))
    const { fileId } = await json(source, ['share', path])
    await json(getter, ['swarm', 'connect', sourceAddr])
    await untilProvided(fileId)
    const out = join(dir, 'd-out.bin')
    const result = await cli(['--repo', getter.repo, 'get', fileId, '--peer', `/ip4/127.0.0.1/tcp/${await closedPort()}`, '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), await sha256File(path))
    assert.equal(getter.child.exitCode, null, `the daemon exited: ${getter.stderr()}`)
  })

  it('an output whose folder is a file is refused at once; a download that failed at its place gives way to a get naming another', async () => {
    const path = join(dir, 'e.bin')
    await writeFile(path, randomBytes(MiB + 11))
    const { fileId } = await json(source, ['share', path])
    const blocker = join(dir, 'a-file')
    await writeFile(blocker, 'x')
    for (const output of [join(blocker, 'e.bin'), `${blocker}/`, join(blocker, 'deeper', 'e.bin')]) for (const force of [[], ['--force']]) {
      const refused = await cli(['--repo', getter.repo, '--json', 'get', fileId, '--peer', sourceAddr, '-o', output, ...force], dir)
      assert.equal(refused.code, 1, refused.stderr)
      assert.equal(jsonError(refused).code, 'ERR_OUTPUT_EXISTS')
      assert.match(jsonError(refused).message, new RegExp(`${blocker}.*not a folder`))
    }
    assert.equal((await json(getter, ['transfers'])).some((t: any) => t.fileId === fileId), false, 'no download was left behind')

    // a place the daemon cannot write in (even as root): the download fails there and stays, to be resumed
    const failed = await cli(['--repo', getter.repo, '--json', 'get', fileId, '--peer', sourceAddr, '-o', '/proc/peershare-test.bin'], dir)
    assert.equal(failed.code, 1, failed.stderr)
    assert.equal((await json(getter, ['transfers'])).find((t: any) => t.fileId === fileId)?.state, 'failed')
    // a get naming another place: the file is there, the failed download gone
    const out = join(dir, 'e-out.bin')
    const result = await cli(['--repo', getter.repo, 'get', fileId, '--peer', sourceAddr, '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), await sha256File(path))
    assert.equal((await json(getter, ['transfers'])).some((t: any) => t.fileId === fileId), false)
  })

  it('a lookup that finds nobody says how long it ran (here it asked every peer it reached, long before its 30 s); one that finds the file never says stalled', async () => {
    const id = files.a.fileId
    const unknownId = `${id.slice(0, 30)}${id[30] === 'a' ? 'b' : 'a'}${id.slice(31)}`
    // a lookup needs a peer to ask: the source, in the getter's LAN DHT
    await json(getter, ['swarm', 'connect', sourceAddr])
    const end = Date.now() + 60_000
    while ((await json(getter, ['status'])).dht.lan.routingTableSize < 1) {
      if (Date.now() > end) throw new Error('the source never joined the getter\'s LAN DHT')
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    const providers = await cli(['--repo', getter.repo, '--json', 'providers', unknownId], dir)
    assert.equal(providers.code, 1, providers.stderr)
    assert.match(jsonError(providers).message, /^No providers found for \S+ \(the lookup asked every peer it reached, in (\d+ ms|[\d.]+ s)\)$/)
    const bySha = await cli(['--repo', getter.repo, '--json', 'get', 'ab'.repeat(32)], dir)
    assert.equal(bySha.code, 1, bySha.stderr)
    assert.match(jsonError(bySha).message, /^Nobody has sha256 (ab){32}: no provider found \(the lookup asked every peer it reached, in (\d+ ms|[\d.]+ s)\)$/)

    // a file the DHT does find: the download looks, then fetches; it never says it is stalled (it did as it began, and while its source delivered)
    const path = join(dir, 'f.bin')
    await writeFile(path, randomBytes(24 * MiB + 1))
    const shared = await json(source, ['share', path])
    // share returns before its provider record is out: the get is timed from when the DHT can answer it
    await untilProvided(shared.fileId)
    const got = await cli(['--repo', getter.repo, '--json', 'get', shared.fileId, '-o', join(dir, 'f-out.bin')], dir)
    assert.equal(got.code, 0, got.stderr)
    const events = got.stdout.trim().split('\n').map(line => JSON.parse(line))
    assert.deepEqual(events.filter(e => e.state === 'stalled').map(e => `${e.stallReason} at ${e.bytesDone}`), [])
    assert.equal(await sha256File(join(dir, 'f-out.bin')), await sha256File(path))
  })

  it('get --timeout 2 on a file nobody has exits 1 and leaves the download paused', async () => {
    const id = files.a.fileId
    const missing = `${id.slice(0, 30)}${id[30] === 'a' ? 'b' : 'a'}${id.slice(31)}`
    const result = await cli(['--repo', getter.repo, '--json', 'get', missing, '--timeout', '2', '-o', join(dir, 'never.bin')], dir)
    assert.equal(result.code, 1)
    assert.equal(jsonError(result).code, 'ERR_TIMEOUT')
    const left = (await json(getter, ['transfers'])).find((t: any) => t.fileId === missing)
    assert.equal(left?.state, 'paused')
    await json(getter, ['cancel', missing])
    assert.equal(existsSync(join(dir, 'never.bin')), false)
  })

  it('a download whose only source is offline waits, stalled, across restarts and Ctrl+C, and completes once the source is back', async () => {
    source.child.kill('SIGTERM')
    await source.exited
    const out = join(dir, 'b-out.bin')
    await json(getter, ['get', files.b.fileId, '--peer', sourceAddr, '-o', out, '--detach'])
    const stalled = await waitFor(getter, files.b.fileId, 'stalled', t => t?.state === 'stalled')
    assert.equal(stalled.stallReason, 'providers-unreachable')
    assert.equal(stalled.rate, 0)
    assert.equal(stalled.eta, null)
    assert.equal(typeof stalled.stallMessage, 'string')
    const human = await cli(['--repo', getter.repo, 'transfers'], dir)
    assert.match(human.stdout, /stalled .*providers unreachable/s)

    // Ctrl+C on an attached get: one line on how to follow it; the download goes on
    const attached = start(['--repo', getter.repo, '--json', 'get', files.b.fileId, '--peer', sourceAddr], dir)
    await until(() => attached.stdout().includes('"stalled"'), 'the attached get to report the stall')
    attached.child.kill('SIGINT')
    const { code } = await attached.exited
    assert.equal(code, 130)
    const line = jsonError({ code, signal: null, stdout: attached.stdout(), stderr: attached.stderr() })
    assert.equal(line.code, 'ERR_INTERRUPTED')
    assert.match(line.message, /peershare transfers/)
    assert.match(line.message, new RegExp(`peershare cancel ${files.b.fileId}`))
    // SIGTERM (`timeout`, a service manager) says the same
    const terminated = start(['--repo', getter.repo, '--json', 'get', files.b.fileId, '--peer', sourceAddr], dir)
    await until(() => terminated.stdout().includes('"stalled"'), 'the attached get to report the stall before SIGTERM')
    terminated.child.kill('SIGTERM')
    const ended = await terminated.exited
    // 128 + SIGTERM, as shells report it (Ctrl+C's is 130)
    assert.equal(ended.code, 143)
    assert.equal(jsonError({ ...ended, stdout: terminated.stdout(), stderr: terminated.stderr() }).code, 'ERR_INTERRUPTED')

    // the downloading daemon stops under an attached get: the get says so, and that the download goes on with it
    const watching = start(['--repo', getter.repo, '--json', 'get', files.b.fileId, '--peer', sourceAddr], dir)
    await until(() => watching.stdout().includes('"stalled"'), 'the attached get to report the stall again')
    getter.child.kill('SIGTERM')
    await getter.exited
    const lost = await watching.exited
    assert.equal(lost.code, 1, watching.stderr())
    const lostLine = jsonError({ ...lost, stdout: watching.stdout(), stderr: watching.stderr() })
    assert.equal(lostLine.code, 'ERR_DAEMON_LOST')
    assert.match(lostLine.message, /goes on when the daemon starts again.*peershare transfers/)

    // the downloading daemon restarts: it names the download it resumes, still stalled
    getter = await startGetter()
    assert.ok((getter.info as any).downloads.some((d: any) => d.fileId === files.b.fileId && d.state !== 'paused'), JSON.stringify(getter.info))
    await waitFor(getter, files.b.fileId, 'stalled after the restart', t => t?.state === 'stalled' && t.stallReason === 'providers-unreachable')

    // the source comes back on the same repo and port: the download finishes by itself
    source = await startSource()
    await waitFor(getter, files.b.fileId, 'the download to finish', t => t == null)
    assert.equal(await sha256File(out), await sha256File(files.b.path))
  })
})
