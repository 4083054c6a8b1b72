/**
 * Downloads living in the daemon, through the real program: resume after the
 * downloading daemon is killed (SIGKILL) mid-way, with a partial file damaged while
 * it was down; and pause, resume and cancel from the CLI.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon, tcpAddress, } from './processes.js'

const MiB = 1024 * 1024
const SIZE = 32 * MiB

describe('downloads in the daemon end to end (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let source: DaemonProcess
  let file: string
  let fileId: string

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const transferOf = async (d: DaemonProcess): Promise<any> => (await json(d, ['transfers'])).find((t: any) => t.fileId === fileId)
  /** Polls `transfers` until `test` holds for this file's download */
  const waitFor = async (d: DaemonProcess, what: string, test: (t: any) => boolean): Promise<any> => {
    let last: any
    const end = Date.now() + 120_000
    while (Date.now() < end) {
      last = await transferOf(d)
      if (test(last)) return last
      await new Promise(resolve => setTimeout(resolve, 150))
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-transfers-e2e-'))
    // a rate-limited source makes the download take seconds, so it can be caught mid-way
    source = await startDaemon(join(dir, 'source'), dir, ['--upload-limit', '4MiB'])
    file = join(dir, 'big.bin')
    await writeFile(file, randomBytes(SIZE))
    fileId = (await json(source, ['share', file])).fileId
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('resumes after SIGKILL near 50%, re-fetching only what was not verified (and a chunk damaged meanwhile)', async () => {
    const repo = join(dir, 'getter')
    const output = join(dir, 'resumed.bin')
    let getter = await startDaemon(repo, dir)
    await json(getter, ['get', fileId, '--peer', tcpAddress(source), '-o', output, '--detach'])
    const atKill = await waitFor(getter, '50%', t => t != null && t.bytesDone >= SIZE / 2)
    getter.child.kill('SIGKILL')
    await getter.exited
    // damage the first chunk of the partial file while the daemon is down
    const partial = await open(`${output}.peershare-partial`, 'r+')
    await partial.write(Buffer.from('tampered'), 0, 8, 0)
    await partial.close()

    getter = await startDaemon(repo, dir)
    const done = await waitFor(getter, 'the resumed download to finish', t => t == null)
    assert.equal(done, undefined)
    assert.equal(await sha256File(output), await sha256File(file))
    assert.equal(existsSync(`${output}.peershare-partial`), false)
    const files = await json(getter, ['ls'])
    assert.ok(files.some((f: any) => f.fileId === fileId), 'the download is kept and served')
    assert.ok(atKill.bytesDone >= SIZE / 2)
    getter.child.kill('SIGTERM')
    await getter.exited
  })

  it('a second get with another -o gets its own copy there, from the one download, even across a SIGKILL', async () => {
    const repo = join(dir, 'getter-copies')
    const first = join(dir, 'first-place.bin')
    const second = join(dir, 'second-place.bin')
    let getter = await startDaemon(repo, dir)
    await json(getter, ['get', fileId, '--peer', tcpAddress(source), '-o', first, '--detach'])
    await waitFor(getter, 'progress', t => t != null && t.bytesDone > 0)
    // an output that exists is refused at once
    await writeFile(join(dir, 'taken.bin'), 'mine')
    const refused = await cli(['--repo', repo, '--json', 'get', fileId, '-o', join(dir, 'taken.bin')], dir)
    assert.equal(refused.code, 1)
    assert.equal(JSON.parse(refused.stderr).error.code, 'ERR_OUTPUT_EXISTS')
    // joins: one download in the list; the copy it owes is saved with it
    await json(getter, ['get', fileId, '-o', second, '--detach'])
    assert.equal((await json(getter, ['transfers'])).filter((t: any) => t.fileId === fileId).length, 1)
    getter.child.kill('SIGKILL')
    await getter.exited

    getter = await startDaemon(repo, dir)
    // a get asking for the second place waits for the restored download, and ends with its copy there
    const done = await cli(['--repo', repo, '--json', 'get', fileId, '-o', second], dir)
    assert.equal(done.code, 0, done.stderr)
    assert.equal(JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '').path, second)
    assert.equal(await sha256File(first), await sha256File(file))
    assert.equal(await sha256File(second), await sha256File(file))
    getter.child.kill('SIGTERM')
    await getter.exited
  })

  it('received at most about 55% of the file after a restart at 50%', async () => {
    const repo = join(dir, 'getter-2')
    const output = join(dir, 'resumed-2.bin')
    let getter = await startDaemon(repo, dir)
    await json(getter, ['get', fileId, '--peer', tcpAddress(source), '-o', output, '--detach'])
    await waitFor(getter, '50%', t => t != null && t.bytesDone >= SIZE / 2)
    getter.child.kill('SIGKILL')
    await getter.exited
    getter = await startDaemon(repo, dir)
    let received = 0
    await waitFor(getter, 'the resumed download to finish', t => {
      if (t != null) received = t.bytesReceived
      return t == null
    })
    assert.equal(await sha256File(output), await sha256File(file))
    assert.ok(received <= 0.55 * SIZE + 2 * MiB, `received ${received} bytes after the restart (${(received / SIZE * 100).toFixed(1)}%)`)
    getter.child.kill('SIGTERM')
    await getter.exited
  })

  it('limits: set at start with flags, read and changed at run time', async () => {
    const node = await startDaemon(join(dir, 'limited'), dir, ['--upload-limit', '8MiB', '--download-limit', '1.5MB'])
    assert.deepEqual(await json(node, ['limits']), { upload: 8 * MiB, uploadPerPeer: 0, download: 1_500_000 })
    assert.deepEqual(await json(node, ['limits', '--download', '0', '--upload-per-peer', '512KiB']), { upload: 8 * MiB, uploadPerPeer: 512 * 1024, download: 0 })
    const bad = await cli(['--repo', node.repo, 'limits', '--upload', 'fast'], dir)
    // a bad option value is a usage error (exit 2), as the README says
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^peershare: /)
    node.child.kill('SIGTERM')
    await node.exited
  })

  it('pause, resume and cancel from the CLI; cancel deletes the partial file and state', async () => {
    // a source four times slower than the suite's: 32 s for the whole file, so the download
    // is still running after pause, resume and the CLI calls between them on a busy machine
    const slowSource = await startDaemon(join(dir, 'slow-source'), dir, ['--upload-limit', '1MiB'])
    assert.equal((await json(slowSource, ['share', file])).fileId, fileId)
    const getter = await startDaemon(join(dir, 'getter-3'), dir)
    const output = join(dir, 'controlled.bin')
    await json(getter, ['get', fileId, '--peer', tcpAddress(slowSource), '-o', output, '--detach'])
    await waitFor(getter, 'progress', t => t != null && t.bytesDone > 0)
    const paused = await json(getter, ['pause', fileId])
    assert.equal(paused.state, 'paused')
    const listed = await transferOf(getter)
    assert.equal(listed.state, 'paused')
    assert.equal(listed.sources, 0)
    const human = await cli(['--repo', getter.repo, 'transfers'], dir)
    assert.match(human.stdout, /paused/)
    const resumed = await json(getter, ['resume', fileId])
    assert.equal(resumed.state, 'running')
    await waitFor(getter, 'more progress', t => t == null || t.bytesDone > listed.bytesDone)
    await json(getter, ['cancel', fileId])
    assert.equal(await transferOf(getter), undefined)
    assert.equal(existsSync(`${output}.peershare-partial`), false)
    assert.equal(existsSync(output), false)
    const again = await cli(['--repo', getter.repo, '--json', 'cancel', fileId], dir)
    assert.equal(again.code, 1)
    getter.child.kill('SIGTERM')
    await getter.exited
  })
})
