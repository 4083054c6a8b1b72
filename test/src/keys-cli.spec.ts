/**
 * grant, inbox, revoke and status through the real program: daemons with their
 * defaults (only --no-mdns and a loopback --listen). A file granted to a connected
 * peer shows in its inbox and downloads with `get`; one granted to a peer whose daemon
 * is stopped reaches it once that daemon runs again, with no command on either side.
 *
 * The file granted here is a plaintext one (a permission grant): encrypted shares come
 * from another part of issue 10, and the node tests cover key grants of encrypted files.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon, tcpAddress } from './processes.js'

describe('grant, inbox, revoke (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let sharer: DaemonProcess
  let friend: DaemonProcess
  let file: string
  let shared: any

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  /** `detail` says, on a timeout, what the daemons saw */
  const eventually = async (check: () => Promise<boolean>, what: string, detail?: () => Promise<string>): Promise<void> => {
    const end = Date.now() + 60_000
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail == null ? '' : `: ${await detail().catch((err: Error) => err.message)}`}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-keys-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    friend = await startDaemon(join(dir, 'friend'), dir)
    await json(friend, ['swarm', 'connect', tcpAddress(sharer)])
    file = join(dir, 'plans.txt')
    await writeFile(file, randomBytes(150_000))
    shared = await json(sharer, ['share', file])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('grant delivers to a connected peer; its inbox lists the file and get downloads it', async () => {
    const human = await cli(['--repo', sharer.repo, 'grant', shared.fileId.slice(0, 16), friend.info.peerId], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, new RegExp(`^PEER +GRANT +STATE\\n${friend.info.peerId} +permission +delivered\\n$`))
    const entries = await json(friend, ['inbox'])
    assert.deepEqual(entries.map((e: any) => [e.fileId, e.from, e.kind, e.name, e.size, e.downloaded]), [[shared.fileId, sharer.info.peerId, 'permission', 'plans.txt', 150_000, false]])
    const table = await cli(['--repo', friend.repo, 'inbox'], dir)
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, new RegExp(`^NAME +SIZE +FROM +RECEIVED +HAVE +FILE ID\\nplans\\.txt +146\\.5 KiB +${sharer.info.peerId} +\\S+ \\S+ +no +${shared.fileId}\\n`))

    // no --peer: the grant's sender is a source from the start
    const got = await cli(['--repo', friend.repo, '--json', 'get', shared.fileId, '-o', join(dir, 'got.txt')], dir)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(JSON.parse(got.stdout.trim().split('\n').at(-1) as string).file.fileId, shared.fileId)
    assert.equal(await sha256File(join(dir, 'got.txt')), await sha256File(file))
    assert.equal((await json(friend, ['inbox']))[0].downloaded, true)
    assert.deepEqual((await json(sharer, ['status'])).keys, { grants: 1, pendingDeliveries: 0, inbox: 0 })
    assert.deepEqual((await json(friend, ['status'])).keys, { grants: 0, pendingDeliveries: 0, inbox: 1 })
  })

  it('revoke marks the grant revoked; a second revoke, a bad peer id and an unknown file are clear errors', async () => {
    const revoked = await json(sharer, ['revoke', shared.fileId, friend.info.peerId])
    assert.deepEqual([revoked.fileId, revoked.peer, revoked.state], [shared.fileId, friend.info.peerId, 'revoked'])
    const again = await cli(['--repo', sharer.repo, '--json', 'revoke', shared.fileId, friend.info.peerId], dir)
    assert.equal(again.code, 1)
    assert.equal(jsonError(again).code, 'ERR_GRANT_NOT_FOUND')
    const badPeer = await cli(['--repo', sharer.repo, '--json', 'grant', shared.fileId, 'not-a-peer'], dir)
    assert.equal(jsonError(badPeer).code, 'ERR_CONTACT_NOT_FOUND', 'neither a contact name nor a peer id')
    const unknown = await cli(['--repo', sharer.repo, '--json', 'grant', 'bafkzzzzzzzz', friend.info.peerId], dir)
    assert.equal(jsonError(unknown).code, 'ERR_FILE_NOT_FOUND')
    assert.deepEqual((await json(sharer, ['status'])).keys, { grants: 0, pendingDeliveries: 0, inbox: 0 })
  })

  it('a grant to a peer whose daemon is stopped waits, and reaches it when that daemon runs again', async () => {
    let later = await startDaemon(join(dir, 'later'), dir)
    await json(later, ['swarm', 'connect', tcpAddress(sharer)])
    const peerId = later.info.peerId
    later.child.kill('SIGTERM')
    await later.exited
    const [pending] = await json(sharer, ['grant', shared.fileId, peerId])
    assert.equal(pending.state, 'pending')
    assert.equal((await json(sharer, ['status'])).keys.pendingDeliveries, 1)

    later = await startDaemon(join(dir, 'later'), dir)
    const seen = async (): Promise<string> => JSON.stringify({
      sharerPeers: (await json(sharer, ['peers'])).map((p: any) => p.peerId),
      laterPeers: (await json(later, ['peers'])).map((p: any) => p.peerId),
      sharerKeys: (await json(sharer, ['status'])).keys,
      sharerLog: sharer.stderr().slice(-2000),
      laterLog: later.stderr().slice(-2000)
    })
    await eventually(async () => (await json(later, ['inbox'])).length === 1, 'the grant to reach the restarted daemon', seen)
    assert.equal((await json(later, ['inbox']))[0].fileId, shared.fileId)
    await eventually(async () => (await json(sharer, ['status'])).keys.pendingDeliveries === 0, 'the sharer to see it delivered')
  })
})
