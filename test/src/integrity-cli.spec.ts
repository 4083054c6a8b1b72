/**
 * A sharer's own disk goes bad (real daemons, real CLI; files shared with --copy, so
 * their bytes are blobs in the repo): a flipped byte in a blob is
 * refused to a downloader rather than sent, `ls` says damaged, `verify` finds it and a
 * deleted blob, and the marks survive a restart.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, startDaemon, tcpAddress } from './processes.js'
import { flipByte } from './bit-rot.js'

const MiB = 1024 * 1024

describe('damaged and missing blobs: ls and verify (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let sharer: DaemonProcess
  let getter: DaemonProcess
  let rotten: any
  let gone: any

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const statusOf = async (id: string): Promise<string> => (await json(sharer, ['ls'])).find((f: any) => f.fileId === id)?.status

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-integrity-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    getter = await startDaemon(join(dir, 'getter'), dir)
    await writeFile(join(dir, 'rotten.bin'), randomBytes(3 * MiB + 17))
    await writeFile(join(dir, 'gone.bin'), randomBytes(MiB + 5))
    rotten = await json(sharer, ['share', '--copy', join(dir, 'rotten.bin')])
    gone = await json(sharer, ['share', '--copy', join(dir, 'gone.bin')])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('a flipped byte is refused to a downloader, not sent; ls then shows the file damaged and not served', async () => {
    assert.equal(await statusOf(rotten.fileId), 'ok')
    await flipByte(join(sharer.repo, 'blobs', rotten.fileId), MiB + 100)
    const result = await cli(['--repo', getter.repo, '--json', 'get', rotten.fileId, '--peer', tcpAddress(sharer), '--timeout', '5', '-o', join(dir, 'copy.bin')], dir)
    // nobody else has it: the download waits and times out, the sharer is not banned for bad data
    assert.notEqual(result.code, 0)
    assert.equal(jsonError(result).code, 'ERR_TIMEOUT')
    const events = result.stdout.trim().split('\n').filter(line => line !== '').map(line => JSON.parse(line))
    assert.ok(events.length > 0)
    for (const event of events) assert.deepEqual(event.banned ?? [], [])

    const end = Date.now() + 30_000
    while (await statusOf(rotten.fileId) !== 'damaged') {
      assert.ok(Date.now() < end, 'the sharer marks the file damaged')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const human = await cli(['--repo', sharer.repo, 'ls'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /rotten\.bin {2}\(damaged: [^)]*; not served\)/)
  })

  it('verify hashes every chunk and reports damaged and missing files; the marks survive a restart', async () => {
    await rm(join(sharer.repo, 'blobs', gone.fileId))
    // files not ok fail the command (exit 1, ERR_VERIFY_FAILED on stderr) after the whole report on stdout
    const all = await cli(['--repo', sharer.repo, '--json', 'verify'], dir)
    assert.equal(all.code, 1, all.stderr)
    assert.equal(jsonError(all).code, 'ERR_VERIFY_FAILED')
    const verified = JSON.parse(all.stdout)
    const byId = new Map(verified.map((f: any) => [f.fileId, f]))
    assert.deepEqual([(byId.get(rotten.fileId) as any).status, (byId.get(rotten.fileId) as any).damagedChunks], ['damaged', [1]])
    assert.equal((byId.get(gone.fileId) as any).status, 'missing')

    const one = await cli(['--repo', sharer.repo, '--json', 'verify', rotten.fileId.slice(0, 16)], dir)
    assert.deepEqual(JSON.parse(one.stdout).map((f: any) => f.status), ['damaged'])
    const human = await cli(['--repo', sharer.repo, 'verify'], dir)
    assert.equal(human.code, 1, human.stderr)
    assert.match(human.stdout, /damaged +rotten\.bin {2}\(chunk 1 failed\)/)
    assert.match(human.stdout, /missing +gone\.bin/)
    assert.match(human.stdout, /\d+ checked: \d+ ok, 2 not ok, no longer served:/)
    assert.match(human.stdout, /gone\.bin: fetched again from other providers/)
    assert.match(human.stderr, /2 of \d+ file\(s\) not ok/)
    const unknown = await cli(['--repo', sharer.repo, '--json', 'verify', 'bzzzzzz'], dir)
    assert.equal(unknown.code, 1)
    assert.equal(jsonError(unknown).code, 'ERR_FILE_NOT_FOUND')

    sharer.child.kill('SIGTERM')
    await sharer.exited
    sharer = await startDaemon(sharer.repo, dir)
    assert.equal(await statusOf(rotten.fileId), 'damaged')
    assert.equal(await statusOf(gone.fileId), 'missing')
    assert.match((await cli(['--repo', sharer.repo, 'ls'], dir)).stdout, /gone\.bin {2}\(missing: [^)]*; not served\)/)
  })
})
