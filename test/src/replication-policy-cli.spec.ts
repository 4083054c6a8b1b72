/**
 * Replication policies through the real program: daemons with their defaults (no
 * mDNS, loopback). `share --replicas`, `replicate`, `status <file-id>` and the `ls`
 * REPLICAS column; a peer that holds and provides the file is counted live.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, startDaemon, tcpAddress } from './processes.js'

describe('replication policies end to end (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let owner: DaemonProcess
  let holder: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-replication-e2e-'))
    owner = await startDaemon(join(dir, 'owner'), dir)
    holder = await startDaemon(join(dir, 'holder'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('share --replicas keeps the policy; status says under-replicated and why; ls shows live/min:max', async () => {
    await writeFile(join(dir, 'kept.bin'), randomBytes(200_000))
    const shared = await cliJson(owner, ['share', 'kept.bin', '--replicas', '2:3'], dir)
    const status = await cliJson(owner, ['status', shared.fileId.slice(0, 16)], dir)
    assert.deepEqual([status.fileId, status.policy, status.state], [shared.fileId, { min: 2, max: 3 }, 'under-replicated'])
    assert.ok(['no-candidates', 'too-few-candidates', 'recruiting'].includes(status.why), status.why)
    const human = await cli(['--repo', owner.repo, 'status', shared.fileId], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^replicas +0 live, target 2:3$/m)
    assert.match(human.stdout, /^state +under-replicated: /m)
    const ls = await cli(['--repo', owner.repo, 'ls'], dir)
    assert.match(ls.stdout, /^FILE ID +SIZE +REPLICAS /)
    assert.match(ls.stdout, new RegExp(`^${shared.fileId} .* 0/2:3 `, 'm'))
    const bare = await cliJson(owner, ['replicate', shared.fileId], dir)
    assert.deepEqual(bare.policy, { min: 2, max: 5 }, 'no numbers: config replication.replicas')
  })

  it('replicate refuses a bad policy and an unknown file with their codes; 0 makes a file local only', async () => {
    await writeFile(join(dir, 'local.bin'), randomBytes(50_000))
    const shared = await cliJson(owner, ['share', 'local.bin'], dir)
    assert.equal((await cliJson(owner, ['status', shared.fileId], dir)).state, 'none')
    const bad = await cli(['--repo', owner.repo, '--json', 'replicate', shared.fileId, '3:2'], dir)
    assert.equal(bad.code, 2)
    assert.equal(jsonError(bad).code, 'ERR_BAD_REQUEST')
    const unknown = await cli(['--repo', owner.repo, '--json', 'replicate', 'bahijzqabciqzzzzzzzz'], dir)
    assert.equal(unknown.code, 1)
    assert.ok(['ERR_FILE_NOT_FOUND', 'ERR_NOT_FOUND'].includes(jsonError(unknown).code), unknown.stderr)
    await cliJson(owner, ['replicate', shared.fileId, '1:2'], dir)
    const local = await cliJson(owner, ['replicate', shared.fileId, '0'], dir)
    assert.equal(local.state, 'none')
    const ls = await cliJson(owner, ['ls'], dir)
    assert.equal(ls.find((f: { fileId?: string }) => f.fileId === shared.fileId).replicas, undefined)
  })

  it('a peer that holds and provides the file counts as a live replica', async () => {
    await writeFile(join(dir, 'held.bin'), randomBytes(300_000))
    const shared = await cliJson(owner, ['share', 'held.bin'], dir)
    const held = await cli(['--repo', holder.repo, 'get', shared.fileId, '--peer', tcpAddress(owner), '--hold'], dir)
    assert.equal(held.code, 0, held.stderr)
    let live: string[] = []
    const end = Date.now() + 60_000
    while (!live.includes(holder.info.peerId) && Date.now() < end) {
      live = (await cliJson(owner, ['replicate', shared.fileId, '1:2'], dir)).live
    }
    assert.deepEqual(live, [holder.info.peerId])
    assert.equal((await cliJson(owner, ['status', shared.fileId], dir)).state, 'ok')
  })
})
