/**
 * The holder side of replication through the real program: a daemon started with
 * `--replication-quota` offers storage (its `status` and `ls --replicas` say how much),
 * another daemon with its defaults learns the signed offer over gossip within seconds
 * of connecting, and a quota that is not a size is refused before the daemon starts.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, startDaemon, tcpAddress } from './processes.js'

const MiB = 1024 * 1024

describe('replication: storage offered by a daemon (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let holder: DaemonProcess
  let plain: DaemonProcess
  let fromFile: DaemonProcess

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-replication-e2e-'))
    // the quota set in the config file instead of the flag
    await mkdir(join(dir, 'from-file'), { recursive: true })
    await writeFile(join(dir, 'from-file', 'config.json'), JSON.stringify({ replication: { quota: '3MiB' } }))
    ;[holder, plain, fromFile] = await Promise.all([
      startDaemon(join(dir, 'holder'), dir, ['--replication-quota', '2MiB']),
      startDaemon(join(dir, 'plain'), dir),
      startDaemon(join(dir, 'from-file'), dir)
    ])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('status and ls --replicas show the quota offered; a daemon with its defaults offers none', async () => {
    assert.deepEqual((await json(holder, ['status'])).replication, { quotaBytes: 2 * MiB, usedBytes: 0, replicas: 0, offersKnown: 0 })
    assert.deepEqual(await json(holder, ['ls', '--replicas']), { replicas: [], usedBytes: 0, quotaBytes: 2 * MiB })
    assert.equal((await json(fromFile, ['status'])).replication.quotaBytes, 3 * MiB)
    const human = await cli(['--repo', plain.repo, 'status'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /replicas +no storage offered/)
    const held = await cli(['--repo', holder.repo, 'ls', '--replicas'], dir)
    assert.match(held.stdout, /0 B used of 2\.0 MiB offered/)
  })

  it('a daemon with its defaults learns the storage offers of the peers it connects to', async () => {
    for (const offering of [holder, fromFile]) {
      const result = await cli(['--repo', plain.repo, 'swarm', 'connect', tcpAddress(offering)], dir)
      assert.equal(result.code, 0, result.stderr)
    }
    let known = 0
    const deadline = Date.now() + 60_000
    while (known < 2) {
      if (Date.now() > deadline) throw new Error(`only ${known} storage offers known`)
      known = (await json(plain, ['status'])).replication.offersKnown
    }
    // the plain daemon offers nothing, so the holder knows only the other one's offer (through the plain daemon's relay)
    assert.ok((await json(holder, ['status'])).replication.offersKnown <= 1)
  })

  it('a quota that is not a size is refused before the daemon starts', async () => {
    const result = await cli(['daemon', '--repo', join(dir, 'bad'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--replication-quota', 'lots'], dir)
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /replication-quota/)
  })
})
