import assert from 'node:assert/strict'
import { appendFile, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeTicket, parseFileId } from '@peershare/protocol'
import { saveLimits } from '../src/config-file.js'
import { DEFAULTS } from '../src/config.js'
import { makePrivate } from '../src/file-modes.js'
import { resolvePrefix } from '../src/id-prefix.js'
import type { PeershareNode } from '../src/index.js'
import { ticketAddresses } from '../src/tickets.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** Whether `node` lists itself as a provider of `fileId` in its own provider store (the LAN DHT's local answer) */
async function providesLocally (node: PeershareNode, fileId: string): Promise<boolean> {
  for await (const event of node.libp2p.services.lanDht.findProviders(parseFileId(fileId), { signal: AbortSignal.timeout(5000) })) {
    if (event.name === 'PROVIDER' && event.from.equals(node.peerId)) return event.providers.some(p => p.id.equals(node.peerId as PeerId))
  }
  return false
}

async function eventually (what: string, test: () => Promise<boolean>): Promise<void> {
  await until(test, 20_000, what)
}

describe('local files: tickets, prefixes, changed files, saved limits, private repos', function () {
  this.timeout(60_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
  })
  after(async () => {
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  it('a download by ticket; changed on disk it is reported modified and withdrawn, also after a restart', async () => {
    const src = await randomFile(dir.path, 'src.bin', 300_000)
    const record = await sharer.share(src)
    const { ticket } = await sharer.ticket(record.fileId.slice(0, 30))
    assert.equal(decodeTicket(ticket).id.toString(), record.fileId)
    const output = join(dir.path, 'copy.bin')
    const transfer = await getter.download(ticket, { output })
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
    await eventually('the getter to provide the download', async () => providesLocally(getter, record.fileId))
    assert.deepEqual((await getter.files()).map(f => f.status), ['ok'])

    await appendFile(output, 'x')
    assert.deepEqual((await getter.files()).map(f => f.status), ['modified'])
    assert.equal(await providesLocally(getter, record.fileId), false)

    // a restart does not announce it again
    const repo = getter.paths.root
    await getter.stop()
    getter = await startTestNode(repo)
    assert.deepEqual((await getter.files()).map(f => f.status), ['modified'])
    assert.equal(await providesLocally(getter, record.fileId), false)
  })

  it('a deleted download is missing and withdrawn', async () => {
    const src = await randomFile(dir.path, 'gone.bin', 1000)
    const record = await sharer.share(src)
    const output = join(dir.path, 'gone-copy.bin')
    await (await getter.download(sharer.ticketFor(record), { output })).done()
    await eventually('the getter to provide it', async () => providesLocally(getter, record.fileId))
    await rm(output)
    assert.equal((await getter.files()).find(f => f.record.fileId === record.fileId)?.status, 'missing')
    assert.equal(await providesLocally(getter, record.fileId), false)
  })

  it('a ticket of an unknown or ambiguous id is refused', async () => {
    await assert.rejects(sharer.ticket('bzzzz'), { name: 'FileNotFoundError' })
    const common = 'b'
    await assert.rejects(sharer.ticket(common), { name: 'AmbiguousIdError', code: 'ERR_AMBIGUOUS_ID' })
  })

  it('setLimits saves into config.json unless temporary', async () => {
    await sharer.setLimits({ upload: 1000 })
    await sharer.setLimits({ download: 2000 }, { temporary: true })
    assert.deepEqual(sharer.bandwidth.limits(), { upload: 1000, uploadPerPeer: 0, download: 2000 })
    assert.deepEqual(JSON.parse(await readFile(join(sharer.paths.root, 'config.json'), 'utf8')), { limits: { upload: 1000 } })
    await sharer.setLimits({ upload: 0 })
    // a config.json that does not parse is left alone; the change holds until the node stops
    await writeFile(join(sharer.paths.root, 'config.json'), '{ oops')
    await assert.rejects(sharer.setLimits({ upload: 3000 }), { name: 'RepoError' })
    assert.equal(sharer.bandwidth.limits().upload, 3000)
    assert.equal(await readFile(join(sharer.paths.root, 'config.json'), 'utf8'), '{ oops')
  })
})

describe('resolvePrefix', () => {
  const ids = ['bahaaa1', 'bahaab2', 'bahbcc3']
  const isFull = (t: string): boolean => t.length === 7

  it('takes an exact id or the only one a prefix names', () => {
    assert.equal(resolvePrefix('bahaab2', ids, 'download'), 'bahaab2')
    assert.equal(resolvePrefix('bahb', ids, 'download'), 'bahbcc3')
    assert.equal(resolvePrefix(' bahaaa ', ids, 'download'), 'bahaaa1')
  })

  it('refuses an ambiguous prefix with the count and the candidates', () => {
    assert.throws(() => resolvePrefix('baha', ids, 'download'), (err: any) => {
      assert.equal(err.name, 'AmbiguousIdError')
      assert.equal(err.code, 'ERR_AMBIGUOUS_ID')
      assert.match(err.message, /2 downloads/)
      assert.match(err.message, /bahaaa1, bahaab2/)
      return true
    })
    const many = Array.from({ length: 9 }, (_, i) => `bah${i}xxx`)
    assert.throws(() => resolvePrefix('bah', many, 'file'), /and 4 more/)
  })

  it('none: not found, unless the caller takes the text as it is', () => {
    assert.throws(() => resolvePrefix('bx', ids, 'download'), { name: 'FileNotFoundError' })
    assert.throws(() => resolvePrefix('', ids, 'download'), { name: 'FileNotFoundError' })
    assert.equal(resolvePrefix('bzzzzzz', ids, 'download', isFull), 'bzzzzzz')
  })
})

describe('withdrawn files and the announcement queue', function () {
  this.timeout(60_000)
  let dir: TestDir
  before(async () => { dir = await tempDir() })
  after(async () => { await dir?.cleanup() })

  it('a file removed or made private while its announcement waits in the queue is not provided when the queue reaches it', async () => {
    // one announcement at a time, and no peer yet: the first waits for one, the others queue behind it
    const node = await startTestNode(join(dir.path, 'queued'), { provide: { ...DEFAULTS.provide, concurrency: 1 } })
    const peer = await startTestNode(join(dir.path, 'peer'))
    try {
      const running = await node.share(await randomFile(dir.path, 'running.bin', 1000))
      const kept = await node.share(await randomFile(dir.path, 'kept.bin', 1000))
      const removed = await node.share(await randomFile(dir.path, 'removed.bin', 1000))
      const hidden = await node.share(await randomFile(dir.path, 'hidden.bin', 1000))
      assert.deepEqual(node.index.queueStats(), { queued: 3, active: 1 })
      // the running one is aborted (its walk waits for a peer), the queued ones dropped
      await node.remove(running.fileId)
      await node.remove(removed.fileId)
      await node.setVisibility(hidden.fileId, 'private')
      await node.connect(multiaddr(dialAddress(peer)))
      await eventually('the queue to drain', async () => { const q = node.index.queueStats(); return q.queued === 0 && q.active === 0 })
      assert.equal(await providesLocally(node, kept.fileId), true, 'the queue ran')
      for (const [file, what] of [[running, 'removed while announced'], [removed, 'removed while queued'], [hidden, 'made private while queued']] as const) {
        assert.equal(await providesLocally(node, file.fileId), false, `a file ${what} is not provided`)
      }
    } finally {
      await node.stop()
      await peer.stop()
    }
  })
})

describe('saveLimits', () => {
  let dir: TestDir
  before(async () => { dir = await tempDir() })
  after(async () => { await dir?.cleanup() })

  it('merges into the file, keeps other settings, writes mode 0600; refuses to overwrite a file that does not parse', async () => {
    const repo = join(dir.path, 'repo')
    await mkdir(repo)
    await saveLimits(repo, { upload: 5 })
    assert.deepEqual(JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')), { limits: { upload: 5 } })
    await writeFile(join(repo, 'config.json'), JSON.stringify({ bootstrap: ['/ip4/127.0.0.1/tcp/1'], limits: { download: '8MiB', upload: 5 } }), { mode: 0o644 })
    await saveLimits(repo, { upload: 7, uploadPerPeer: undefined })
    assert.deepEqual(JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')), { bootstrap: ['/ip4/127.0.0.1/tcp/1'], limits: { download: '8MiB', upload: 7 } })
    assert.equal((await stat(join(repo, 'config.json'))).mode & 0o777, 0o600)
    await writeFile(join(repo, 'config.json'), '{ not json')
    await assert.rejects(saveLimits(repo, { upload: 1 }), { name: 'RepoError' })
    assert.equal(await readFile(join(repo, 'config.json'), 'utf8'), '{ not json')
  })

  it('two changes at once (a form setting both limits) are both saved', async () => {
    const repo = join(dir.path, 'both')
    await mkdir(repo)
    for (let i = 1; i <= 50; i++) {
      await Promise.all([saveLimits(repo, { upload: i }), saveLimits(repo, { download: i })])
      assert.deepEqual(JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')).limits, { upload: i, download: i }, `round ${i}`)
    }
  })
})

describe('makePrivate', () => {
  let dir: TestDir
  before(async () => { dir = await tempDir() })
  after(async () => { await dir?.cleanup() })

  it('sets directories to 0700 and files to 0600, all the way down', async () => {
    const root = join(dir.path, 'repo')
    await mkdir(join(root, 'a', 'b'), { recursive: true, mode: 0o755 })
    await writeFile(join(root, 'a', 'b', 'f'), 'x', { mode: 0o644 })
    await chmod(root, 0o755)
    await makePrivate(root)
    for (const [path, mode] of [[root, 0o700], [join(root, 'a'), 0o700], [join(root, 'a', 'b'), 0o700], [join(root, 'a', 'b', 'f'), 0o600]] as const) {
      assert.equal((await stat(path)).mode & 0o777, mode, path)
    }
  })
})

describe('ticketAddresses', () => {
  it('public first, then LAN, then loopback; no link-local, no duplicates, no /p2p/; at most MAX_TICKET_ADDRESSES', () => {
    const peer = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'
    const picked = ticketAddresses([
      multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${peer}`),
      multiaddr(`/ip4/192.168.1.5/tcp/4001/p2p/${peer}`),
      multiaddr(`/ip6/fe80::1/tcp/4001/p2p/${peer}`),
      multiaddr(`/ip4/93.184.216.34/tcp/4001/p2p/${peer}`),
      multiaddr(`/ip4/192.168.1.5/tcp/4001/p2p/${peer}`),
      multiaddr('/ip4/10.0.0.2/udp/4001/webrtc-direct')
    ]).map(a => a.toString())
    assert.deepEqual(picked, ['/ip4/93.184.216.34/tcp/4001', '/ip4/192.168.1.5/tcp/4001', '/ip4/10.0.0.2/udp/4001/webrtc-direct', '/ip4/127.0.0.1/tcp/4001'])
    const many = Array.from({ length: 20 }, (_, i) => multiaddr(`/ip4/127.0.0.1/tcp/${i + 1}`))
    assert.equal(ticketAddresses(many).length, 8)
  })
})
