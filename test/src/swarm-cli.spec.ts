/**
 * The swarm through the real program: three daemon processes, two of them knowing
 * only the first as bootstrap peer; files found and fetched by id or SHA-256 with no
 * address given, and the swarm commands (status, peers, swarm connect, providers, rm).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, sha256File, startDaemon, tcpAddress } from './processes.js'

describe('peershare swarm commands end to end (real processes)', function () {
  this.timeout(90_000)
  let dir: string
  let a: DaemonProcess
  let b: DaemonProcess
  let c: DaemonProcess
  let source: string
  let fileId: string
  let sha256: string

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-swarm-e2e-'))
    // default DHT settings: on 127.0.0.1 the LAN DHT (always a server) connects them
    a = await startDaemon(join(dir, 'a'), dir)
    const boot = ['--bootstrap', tcpAddress(a)]
    ;[b, c] = await Promise.all([startDaemon(join(dir, 'b'), dir, boot), startDaemon(join(dir, 'c'), dir, boot)])
    source = join(dir, 'swarm.bin')
    await writeFile(source, randomBytes(2 * 1024 * 1024 + 99))
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('status reports both DHTs (the LAN one a server with a routing table) and no files; peers lists the bootstrap node', async () => {
    let status = await json(b, ['status'])
    for (let i = 0; i < 100 && status.dht.lan.routingTableSize === 0; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      status = await json(b, ['status'])
    }
    assert.equal(status.peerId, b.info.peerId)
    assert.deepEqual(status.dht.lan, { mode: 'server', protocol: '/peershare/lan/kad/1.0.0', routingTableSize: status.dht.lan.routingTableSize })
    assert.ok(status.dht.lan.routingTableSize >= 1)
    // loopback addresses are not public: the public DHT (auto mode) stays a client with nobody in it
    assert.deepEqual(status.dht.public, { mode: 'client', protocol: '/peershare/kad/1.0.0', routingTableSize: 0 })
    assert.equal(status.files, 0)
    const peers = await json(b, ['peers'])
    const boot = peers.find((p: any) => p.peerId === a.info.peerId)
    assert.ok(boot != null, 'connected to the bootstrap node')
    assert.equal(typeof boot.latencyMs, 'number')
    assert.ok(Number.isInteger(boot.latencyMs) && boot.latencyMs >= 0, 'whole milliseconds')
  })

  it('share on B is found by C by file id and by SHA-256, without any address', async () => {
    const shared = await json(b, ['share', source])
    fileId = shared.fileId
    sha256 = shared.sha256
    let providers: any[] = []
    for (let i = 0; i < 20 && providers.length === 0; i++) {
      // finding nobody (yet) exits 1
      const result = await cli(['--repo', c.repo, '--json', 'providers', fileId, '--timeout', '5'], dir)
      assert.ok(result.code === 0 || jsonError(result).code === 'ERR_FILE_NOT_FOUND', result.stderr)
      providers = result.stdout.trim().split('\n').filter(l => l !== '').map(l => JSON.parse(l))
    }
    const fromB = providers.find(p => p.peerId === b.info.peerId)
    assert.ok(fromB != null, 'B provides the file')
    // dialable as printed: each address ends in B's peer id, none twice (both DHTs may name B)
    assert.ok(fromB.addresses.length > 0)
    assert.ok(fromB.addresses.every((addr: string) => addr.endsWith(`/p2p/${b.info.peerId}`)), fromB.addresses.join(' '))
    assert.equal(new Set(fromB.addresses).size, fromB.addresses.length)
    assert.equal(providers.filter(p => p.peerId === b.info.peerId).length, 1, 'B listed once')
    const bySha = await cli(['--repo', c.repo, '--json', 'providers', sha256, '--timeout', '10'], dir)
    const resolved = bySha.stdout.trim().split('\n').map(l => JSON.parse(l)).find(p => p.peerId === b.info.peerId)
    assert.equal(resolved?.fileId, fileId, 'a SHA-256 lookup resolves the file id')
  })

  it('status shows discovery: B its own offer, C the offer cached, a catalog pull and peers on the announcement topic', async () => {
    const onB = (await json(b, ['status'])).discovery
    assert.deepEqual(onB.offers, { own: 1, cached: 0 })
    let onC = (await json(c, ['status'])).discovery
    for (let i = 0; i < 100 && !(onC.offers.cached >= 1 && onC.lastPull != null && onC.gossip.topicPeers >= 1 && onC.searchIndex.built); i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      onC = (await json(c, ['status'])).discovery
    }
    assert.equal(onC.offers.own, 0)
    assert.ok(onC.offers.cached >= 1, JSON.stringify(onC))
    assert.ok(onC.authors >= 1)
    assert.ok([a.info.peerId, b.info.peerId].includes(onC.lastPull?.peer), JSON.stringify(onC.lastPull))
    assert.ok(onC.gossip.topicPeers >= 1)
    assert.ok(onC.searchIndex.built && onC.searchIndex.contentIds >= 1)
    const human = await cli(['--repo', c.repo, 'status'], dir)
    assert.equal(human.code, 0, human.stderr)
    const lines = human.stdout.split('\n')
    assert.ok(lines.some(l => /^offers {9}0 own, \d+ cached; \d+ author\(s\) known, \d+ tombstone\(s\)$/.test(l)), human.stdout)
    assert.ok(lines.some(l => l.startsWith('catalog pull   12D3Koo') && l.endsWith(' ago')), human.stdout)
    assert.ok(lines.some(l => /^search index {3}\d+ content id\(s\)$/.test(l)), human.stdout)
  })

  it('get on C with no --peer downloads from B through the DHT', async () => {
    const out = join(dir, 'from-dht.bin')
    const result = await cli(['--repo', c.repo, 'get', fileId, '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), await sha256File(source))
    const status = await json(c, ['status'])
    assert.equal(status.files, 1, 'C keeps the download and serves it')
  })

  it('get of a file nobody has fails with ERR_FILE_NOT_FOUND', async () => {
    const missing = 'ab'.repeat(32)
    const result = await cli(['--repo', c.repo, '--json', 'get', missing, '-o', join(dir, 'missing.bin')], dir)
    assert.equal(result.code, 1)
    assert.equal(jsonError(result).code, 'ERR_FILE_NOT_FOUND')
  })

  it('swarm connect dials a peer by multiaddr', async () => {
    const result = await json(c, ['swarm', 'connect', tcpAddress(b)])
    assert.equal(result.peerId, b.info.peerId)
    const peers = await json(c, ['peers'])
    assert.ok(peers.some((p: any) => p.peerId === b.info.peerId))
  })

  it('rm on B forgets the file; ls no longer shows it', async () => {
    assert.deepEqual(await json(b, ['rm', fileId]), { removed: fileId })
    const files = await json(b, ['ls'])
    assert.ok(!files.some((f: any) => f.fileId === fileId))
    const again = await cli(['--repo', b.repo, '--json', 'rm', fileId], dir)
    assert.equal(jsonError(again).code, 'ERR_FILE_NOT_FOUND')
  })
})
