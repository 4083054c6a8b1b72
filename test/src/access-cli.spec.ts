/**
 * Contacts and visibility through the real program: daemons with their defaults (no
 * mDNS, loopback), `contacts add/ls/rm`, `share --visibility`, `visibility`, and what
 * they mean on the network: a contact downloads a contacts-only file, a stranger finds
 * nothing there.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon, tcpAddress } from './processes.js'

describe('contacts and visibility end to end (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let owner: DaemonProcess
  let friend: DaemonProcess
  let stranger: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-access-e2e-'))
    owner = await startDaemon(join(dir, 'owner'), dir)
    friend = await startDaemon(join(dir, 'friend'), dir)
    stranger = await startDaemon(join(dir, 'stranger'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('contacts add, ls, rm: names unique, refused names and unknown contacts get their codes', async () => {
    const added = await cliJson(owner, ['contacts', 'add', friend.info.peerId, '--name', 'friend'], dir)
    assert.deepEqual([added.peerId, added.name], [friend.info.peerId, 'friend'])
    const listed = await cliJson(owner, ['contacts', 'ls'], dir)
    assert.deepEqual(listed.contacts.map((c: { peerId: string, name?: string }) => [c.peerId, c.name]), [[friend.info.peerId, 'friend']])
    const human = await cli(['--repo', owner.repo, 'contacts', 'ls'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.equal(human.stdout, `${friend.info.peerId}  friend\n`)

    const taken = await cli(['--repo', owner.repo, '--json', 'contacts', 'add', stranger.info.peerId, '--name', 'FRIEND'], dir)
    assert.equal(taken.code, 1)
    assert.equal(jsonError(taken).code, 'ERR_CONTACT_NAME_TAKEN')
    const notPeer = await cli(['--repo', owner.repo, '--json', 'contacts', 'add', 'nobody'], dir)
    assert.equal(jsonError(notPeer).code, 'ERR_BAD_REQUEST')
    const unknown = await cli(['--repo', owner.repo, '--json', 'contacts', 'rm', 'nobody'], dir)
    assert.equal(jsonError(unknown).code, 'ERR_CONTACT_NOT_FOUND')

    await cliJson(owner, ['contacts', 'add', stranger.info.peerId, '--name', 'temp'], dir)
    const removed = await cliJson(owner, ['contacts', 'rm', 'temp'], dir)
    assert.equal(removed.removed.peerId, stranger.info.peerId)
    assert.equal((await cliJson(owner, ['contacts', 'ls'], dir)).contacts.length, 1)
  })

  it('share --visibility contacts: the contact downloads it, the stranger finds nothing; `visibility` changes it', async () => {
    await writeFile(join(dir, 'for-friends.bin'), randomBytes(300_000))
    const shared = await cliJson(owner, ['share', 'for-friends.bin', '--visibility', 'contacts'], dir)
    assert.equal(shared.visibility, 'contacts')
    const listed = await cliJson(owner, ['ls'], dir)
    assert.equal(listed.find((f: { fileId?: string }) => f.fileId === shared.fileId).visibility, 'contacts')

    const refused = await cli(['get', shared.fileId, '--peer', tcpAddress(owner), '-o', join(dir, 'stranger.bin'), '--repo', stranger.repo, '--timeout', '2', '--json'], dir)
    assert.equal(refused.code, 1)
    assert.equal(jsonError(refused).code, 'ERR_TIMEOUT')
    assert.equal(existsSync(join(dir, 'stranger.bin')), false)
    await cli(['--repo', stranger.repo, 'cancel', shared.fileId], dir)

    const got = await cli(['get', shared.fileId, '--peer', tcpAddress(owner), '-o', join(dir, 'friend.bin'), '--repo', friend.repo, '--json'], dir)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(join(dir, 'friend.bin')), await sha256File(join(dir, 'for-friends.bin')))

    const changed = await cliJson(owner, ['visibility', shared.fileId.slice(0, 16), 'public'], dir)
    assert.deepEqual(changed, { fileId: shared.fileId, visibility: 'public' })
    const human = await cli(['--repo', owner.repo, 'visibility', shared.fileId, 'private'], dir)
    assert.equal(human.stdout, `${shared.fileId} is private\n`)
    const bad = await cli(['--repo', owner.repo, 'visibility', shared.fileId, 'friends'], dir)
    assert.equal(bad.code, 2)
    const missing = await cli(['--repo', owner.repo, '--json', 'visibility', 'bafkreinotthere', 'public'], dir)
    assert.equal(missing.code, 1)
    assert.ok(['ERR_FILE_NOT_FOUND', 'ERR_INVALID_FILE_ID'].includes(jsonError(missing).code), missing.stderr)
  })
})
