/**
 * A repo whose datastore holds damaged records (written into LevelDB directly while
 * the daemon is down): the daemon starts, the good records work, each bad one is set
 * aside under /peershare/quarantine with its reason. A start that fails ends the
 * process with one line and exit 1, and releases the repo. A download running at a
 * SIGTERM is running again after the restart.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, truncate, watch, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, start, startDaemon, tcpAddress, } from './processes.js'

const MiB = 1024 * 1024
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

async function withDatastore<T> (repo: string, fn: (ds: LevelDatastore) => Promise<T>): Promise<T> {
  const ds = new LevelDatastore(join(repo, 'datastore'))
  await ds.open()
  try {
    return await fn(ds)
  } finally {
    await ds.close()
  }
}

describe('damaged records and start failures (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let source: DaemonProcess
  const ids: Record<string, string> = {}
  const paths: Record<string, string> = {}

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const transferOf = async (d: DaemonProcess, fileId: string): Promise<any> => (await json(d, ['transfers'])).find((t: any) => t.fileId === fileId)
  /** Polls `transfers` until `test` holds for this file's download */
  const waitFor = async (d: DaemonProcess, fileId: string, what: string, test: (t: any) => boolean): Promise<any> => {
    const end = Date.now() + 120_000
    while (Date.now() < end) {
      const t = await transferOf(d, fileId)
      if (test(t)) return t
      await new Promise(resolve => setTimeout(resolve, 150))
    }
    throw new Error(`timed out waiting for ${what}`)
  }
  const stop = async (d: DaemonProcess): Promise<void> => {
    d.child.kill('SIGTERM')
    const { code } = await d.exited
    assert.equal(code, 0)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-records-e2e-'))
    source = await startDaemon(join(dir, 'source'), dir, ['--upload-limit', '2MiB'])
    for (const [name, size] of [['done', 300_000], ['big', 12 * MiB], ['other1', 1000], ['other2', 1000], ['other3', 1000]] as const) {
      paths[name] = join(dir, `${name}.bin`)
      await writeFile(paths[name], randomBytes(size))
      ids[name] = (await json(source, ['share', paths[name]])).fileId
    }
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('a download running at SIGTERM runs again after the restart', async () => {
    const repo = join(dir, 'getter')
    let getter = await startDaemon(repo, dir)
    const detached = await cli(['--repo', repo, 'get', ids.big, '--peer', tcpAddress(source), '-o', join(dir, 'big.out'), '--detach'], dir)
    assert.equal(detached.code, 0, detached.stderr)
    const t = await waitFor(getter, ids.big, 'progress', t => t?.bytesDone > 0)
    assert.ok(t?.bytesDone > 0, 'some progress before the stop')
    await stop(getter)
    getter = await startDaemon(repo, dir)
    const restored = (getter.info as any).downloads.find((d: any) => d.fileId === ids.big)
    assert.notEqual(restored?.state, 'paused')
    assert.equal((await transferOf(getter, ids.big)).state === 'paused', false)
    await json(getter, ['pause', ids.big])
    const got = await cli(['--repo', repo, 'get', ids.done, '--peer', tcpAddress(source), '-o', join(dir, 'done.out')], dir)
    assert.equal(got.code, 0, got.stderr)
    await stop(getter)
  })

  it('a daemon killed while a share --copy hashes: the share says the daemon was lost, and the restarted daemon deletes the half-written blob', async () => {
    const repo = join(dir, 'killed-sharing')
    let daemon = await startDaemon(repo, dir)
    // sparse: 256 MiB that take no disk to make, and a while to hash and copy
    const big = join(dir, 'big-sparse.bin')
    await writeFile(big, '')
    await truncate(big, 256 * MiB)
    const blobs = join(repo, 'blobs')
    // the half-written blob appearing is the moment the share is under way: the daemon dies then
    const watcher = watch(blobs)
    const importing = (async () => {
      for await (const event of watcher) if (event.filename?.startsWith('.import-') === true) return
    })()
    const sharing = start(['--repo', repo, '--json', 'share', '--copy', big], dir)
    await importing
    daemon.child.kill('SIGKILL')
    await daemon.exited
    const shared = await sharing.exited
    assert.equal(shared.code, 1, sharing.stdout())
    assert.equal(jsonError({ ...shared, stdout: sharing.stdout(), stderr: sharing.stderr() }).code, 'ERR_DAEMON_LOST')
    assert.ok((await readdir(blobs)).some(n => n.startsWith('.import-')), 'the crash left a half-written blob')
    daemon = await startDaemon(repo, dir)
    assert.deepEqual((await readdir(blobs)).filter(n => n.startsWith('.import-')), [])
    assert.deepEqual(await json(daemon, ['ls']), [])
    await stop(daemon)
  })

  it('starts with damaged records of every kind: good ones work, bad ones are quarantined', async () => {
    const repo = join(dir, 'getter')
    const good = await withDatastore(repo, async ds => JSON.parse(new TextDecoder().decode(await ds.get(new Key(`/peershare/transfers/${ids.big}/record`)))))
    const bad: Record<string, Uint8Array> = {
      // garbage, truncated JSON, wrong types, a relative output path
      [`/peershare/transfers/${ids.other1}/record`]: randomBytes(64),
      [`/peershare/transfers/${ids.other2}/record`]: text(JSON.stringify({ ...good, fileId: ids.other2 }).slice(0, 40)),
      [`/peershare/transfers/${ids.other3}/record`]: text(JSON.stringify({ ...good, fileId: ids.other3, output: 'relative/out.bin', partialPath: 'relative/out.bin.peershare-partial' })),
      [`/peershare/files/${ids.other1}`]: text('{"fileId":'),
      [`/peershare/files/${ids.other2}`]: text(JSON.stringify({ fileId: ids.other2, sha256: 'xx', size: 'big' })),
      '/peershare/collections/bafkreinotacollection': text('[]'),
      '/peershare/collection-downloads/bafkreinotacollection': text(JSON.stringify({ collectionId: 'x', output: 'here', peers: [], priority: 'normal' }))
    }
    await withDatastore(repo, async ds => {
      for (const [key, value] of Object.entries(bad)) await ds.put(new Key(key), value)
      // the good download's verified list claims more chunks than its manifest has: every chunk is checked instead
      await ds.put(new Key(`/peershare/transfers/${ids.big}/verified`), new Uint8Array(1000).fill(0xff))
      // a peer record libp2p cannot decode: its first field claims 255 bytes and 37 follow
      // (40 random bytes alone decoded as a valid record in 0.2% of tries, and the test failed then)
      for await (const key of ds.queryKeys({ prefix: '/peers/' })) {
        await ds.put(key, Uint8Array.from([0x0a, 0xff, 0x01, ...randomBytes(37)]))
        bad[key.toString()] = new Uint8Array()
        break
      }
    })

    const getter = await startDaemon(repo, dir)
    // stopped whatever fails here: a daemon left running holds the repo the next test starts on
    try {
      assert.equal((getter.info as any).quarantined, Object.keys(bad).length, 'the daemon says how many it set aside')
      const files = await json(getter, ['ls'])
      assert.deepEqual(files.map((f: any) => f.fileId), [ids.done])
      const transfers = await json(getter, ['transfers'])
      assert.deepEqual(transfers.map((t: any) => t.fileId), [ids.big])
      await json(getter, ['resume', ids.big])
      const t = await waitFor(getter, ids.big, 'the download to finish', t => t == null)
      assert.equal(t, undefined, 'the download finished')
      assert.equal(await sha256File(join(dir, 'big.out')), await sha256File(paths.big))
    } finally {
      await stop(getter)
    }

    const quarantined = await withDatastore(repo, async ds => {
      const out: any[] = []
      for await (const { value } of ds.query({ prefix: '/peershare/quarantine/' })) out.push(JSON.parse(new TextDecoder().decode(value)))
      return out
    })
    const keys = quarantined.map(q => q.key)
    for (const key of Object.keys(bad)) assert.ok(keys.includes(key), `${key} quarantined: ${keys.join(' ')}`)
    for (const q of quarantined) assert.ok(typeof q.reason === 'string' && q.reason.length > 0)
    const garbage = quarantined.find(q => q.key === `/peershare/transfers/${ids.other1}/record`)
    assert.deepEqual(Buffer.from(garbage.value, 'base64'), Buffer.from(bad[garbage.key]), 'the bytes are kept as they were')
  })

  it('a repo on a read-only file system: the daemon says its datastore is not writable, not that another daemon uses it (root only: a tmpfs)', async function () {
    const mnt = join(dir, 'read-only-disk')
    await mkdir(mnt)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'ignore' })
    } catch {
      this.skip()
    }
    try {
      const repo = join(mnt, 'repo')
      await stop(await startDaemon(repo, dir))
      execFileSync('mount', ['-o', 'remount,ro', mnt])
      const result = await cli(['daemon', '--repo', repo, '--no-mdns', '--json', '--listen', '/ip4/127.0.0.1/tcp/0'], dir)
      assert.equal(result.code, 1, result.stderr)
      const error = jsonError(result)
      assert.match(error.message, /is not writable \(a read-only file system\)/)
      assert.doesNotMatch(error.message, /another peershare daemon/)
    } finally {
      execFileSync('umount', [mnt])
    }
  })

  it('a start that fails late exits 1 with one line, promptly, and releases the repo', async () => {
    const repo = join(dir, 'getter')
    // a listen address no transport takes: libp2p fails after the datastore is open
    const proc = start(['daemon', '--repo', repo, '--listen', '/ip4/127.0.0.1/udp/0/quic-v1', '--no-mdns', '--json'], dir)
    const { code } = await proc.exited
    assert.equal(code, 1)
    assert.equal(jsonError({ code, signal: null, stdout: proc.stdout(), stderr: proc.stderr() }).code, 'ERR_CONFIG')
    // the LevelDB lock is free: the next daemon starts on the same repo
    const again = await startDaemon(repo, dir)
    await stop(again)
  })
})
