/**
 * Encrypted files through the real program: `share --to` in one daemon, `get` in
 * another that holds the key (resuming after SIGKILL mid-way, decrypting at the end),
 * `get` without a key refused, `get --hold` keeping the ciphertext, and `ls` of each.
 *
 * Until grants (the keys service) deliver keys between daemons, the test moves the
 * file key from the sharer's repo to the recipient's while both daemons are down,
 * through the node's own key store (`node.fileKeys`).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PeershareNode } from '@peershare/node'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon, tcpAddress } from './processes.js'

const MiB = 1024 * 1024
const SIZE = 24 * MiB
const NAME = 'quarterly figures.bin'

/** Opens a repo whose daemon is down, for what only the node API reaches yet */
async function withRepo<T> (repo: string, fn: (node: PeershareNode) => Promise<T>): Promise<T> {
  const node = await PeershareNode.create({ repo, listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    return await fn(node)
  } finally {
    await node.stop()
  }
}

describe('encrypted files end to end (real processes)', function () {
  this.timeout(240_000)
  let dir: string
  let sharer: DaemonProcess
  let file: string
  let fileId: string
  const recipientRepo = (): string => join(dir, 'recipient')

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const transferOf = async (d: DaemonProcess): Promise<any> => (await json(d, ['transfers'])).find((t: any) => t.fileId === fileId)
  const waitFor = async (d: DaemonProcess, what: string, test: (t: any) => boolean): Promise<any> => {
    let last: any
    const end = Date.now() + 180_000
    while (Date.now() < end) {
      last = await transferOf(d)
      if (test(last)) return last
      await new Promise(resolve => setTimeout(resolve, 150))
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-encryption-e2e-'))
    file = join(dir, NAME)
    await writeFile(file, randomBytes(SIZE))
    const recipient = await withRepo(recipientRepo(), async node => node.peerId.toString())
    // rate-limited, so the download can be caught mid-way
    const sharerRepo = join(dir, 'sharer')
    sharer = await startDaemon(sharerRepo, dir, ['--upload-limit', '4MiB'])
    // public: anyone may fetch the ciphertext (a stranger, a holder); only the recipient can read it
    const shared = await json(sharer, ['share', file, '--to', recipient, '--visibility', 'public'])
    fileId = shared.fileId
    assert.equal(shared.encrypted, true)
    assert.equal(shared.name, NAME)
    assert.equal(shared.size, SIZE)
    assert.equal(shared.sha256, await sha256File(file))
    sharer.child.kill('SIGTERM')
    await sharer.exited
    const key = await withRepo(sharerRepo, async node => node.fileKeys.get(fileId))
    assert.ok(key != null)
    await withRepo(recipientRepo(), async node => { await node.fileKeys.put(fileId, { ...key, from: 'test' }) })
    sharer = await startDaemon(sharerRepo, dir, ['--upload-limit', '4MiB'])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('share --to refuses a recipient that is not a peer id', async () => {
    const result = await cli(['--repo', sharer.repo, '--json', 'share', file, '--to', 'bob'], dir)
    assert.equal(result.code, 1)
    assert.equal(jsonError(result).code, 'ERR_INVALID_RECIPIENT')
  })

  it('the recipient gets it under its sealed name, resuming after SIGKILL near 50%', async () => {
    const out = join(dir, 'out')
    await mkdir(out)
    let recipient = await startDaemon(recipientRepo(), dir)
    await json(recipient, ['get', fileId, '--peer', tcpAddress(sharer), '-o', `${out}/`, '--detach'])
    const atKill = await waitFor(recipient, '50%', t => t != null && t.bytesDone >= SIZE / 2)
    assert.equal(atKill.name, NAME, 'progress shows the sealed name')
    recipient.child.kill('SIGKILL')
    await recipient.exited
    recipient = await startDaemon(recipientRepo(), dir)
    let received = 0
    await waitFor(recipient, 'the resumed download to finish', t => {
      if (t != null) received = t.bytesReceived
      return t == null
    })
    // the ciphertext verified before the kill was kept: only the rest came again
    assert.ok(received <= SIZE - atKill.bytesDone + 4 * MiB, `received ${received} bytes after the restart, ${atKill.bytesDone} were done`)
    assert.equal(await sha256File(join(out, NAME)), await sha256File(file))
    assert.deepEqual(await readdir(out), [NAME], 'no partial or temporary file left beside it')
    const listed = (await json(recipient, ['ls'])).find((f: any) => f.fileId === fileId)
    assert.equal(listed.encrypted, true)
    assert.equal(listed.name, NAME)
    assert.equal(listed.path, join(out, NAME))
    const human = await cli(['--repo', recipient.repo, 'ls'], dir)
    assert.match(human.stdout, /quarterly figures\.bin {2}\(encrypted\)/)
    recipient.child.kill('SIGTERM')
    await recipient.exited
  })

  it('a node without the key: get fails with ERR_NO_FILE_KEY; get --hold keeps and lists the ciphertext, nameless', async () => {
    const stranger = await startDaemon(join(dir, 'stranger'), dir)
    const out = join(dir, 'stranger-out')
    const refused = await cli(['--repo', stranger.repo, '--json', 'get', fileId, '--peer', tcpAddress(sharer), '-o', `${out}/`], dir)
    assert.equal(refused.code, 1)
    assert.equal(jsonError(refused).code, 'ERR_NO_FILE_KEY')
    assert.equal(existsSync(join(out, NAME)), false)
    await json(stranger, ['cancel', fileId])
    const held = await cli(['--repo', stranger.repo, 'get', fileId, '--peer', tcpAddress(sharer), '--hold'], dir)
    assert.equal(held.code, 0, held.stderr)
    assert.match(held.stdout, /^Holding /)
    const listed = (await json(stranger, ['ls'])).find((f: any) => f.fileId === fileId)
    assert.equal(listed.encrypted, true)
    assert.equal(listed.name, fileId)
    assert.notEqual(listed.sha256, await sha256File(file))
    const human = await cli(['--repo', stranger.repo, 'ls'], dir)
    assert.match(human.stdout, /\(encrypted, no key\)/)
    assert.ok(!human.stdout.includes('quarterly'))
    stranger.child.kill('SIGTERM')
    await stranger.exited
  })
})
