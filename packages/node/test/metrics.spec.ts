/**
 * Metrics of real nodes in one process (real libp2p on 127.0.0.1): each node has its
 * own registry, created and started side by side; a transfer and a search move only
 * the figures of the nodes involved; gossip verdicts are counted; metrics can be off.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { EXCHANGE_PROTOCOL } from '@peershare/protocol'
import type { Registry } from 'prom-client'
import { metricOf, read } from './metric-values.js'
import { ANNOUNCE_TOPIC } from '../src/catalog/gossip-config.js'
import { ControlServer } from '../src/control/control-server.js'
import { PeershareNode } from '../src/index.js'
import { LOOPBACK_TCP, type TestDir, dialAddress, randomFile, startTestNode, tempDir, until } from './fixtures.js'

const FILE_BYTES = 2 * 1024 * 1024 + 17

/** Polls an async condition */
async function eventually (what: string, condition: () => Promise<boolean>): Promise<void> {
  let met = false
  let busy = false
  await until(() => {
    if (!busy) {
      busy = true
      void condition().then(ok => { met = ok }).finally(() => { busy = false })
    }
    return met
  }, 30_000).catch(() => { throw new Error(`timed out waiting for ${what}`) })
}

describe('metrics of nodes in one process', function () {
  this.timeout(60_000)
  let dir: TestDir
  let a: PeershareNode
  let b: PeershareNode

  before(async () => {
    dir = await tempDir()
    // side by side: a registration of one must never land in the other's registry
    ;[a, b] = await Promise.all([startTestNode(join(dir.path, 'a')), startTestNode(join(dir.path, 'b'))])
  })
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await dir?.cleanup()
  })

  const registry = (node: PeershareNode): Registry => {
    assert.ok(node.metrics != null, 'metrics are on by default')
    return node.metrics.registry
  }

  /** the addresses libp2p's TCP listener metrics of `node` are about (registered at listen time) */
  const listenerAddresses = async (node: PeershareNode): Promise<string[]> => {
    const listener = await registry(node).getSingleMetric('libp2p_tcp_listener_status_info')?.get()
    return listener?.values.map(v => String(v.labels.address)) ?? []
  }
  const ownPort = (node: PeershareNode): string => /\/tcp\/(\d+)/.exec(dialAddress(node))?.[1] ?? ''

  it('keeps one registry per node, each with libp2p\'s metrics of its own node, those registered at listen time too', async () => {
    assert.notEqual(registry(a), registry(b))
    for (const node of [a, b]) {
      const addresses = await listenerAddresses(node)
      assert.ok(addresses.length > 0 && addresses.every(address => address.endsWith(`:${ownPort(node)}`)), `its own listener only: ${addresses.join(' ')}, port ${ownPort(node)}`)
    }
  })

  it('a node started after another stopped has libp2p\'s metrics of its own, none of the stopped node\'s', async () => {
    const gone = await startTestNode(join(dir.path, 'gone'))
    await gone.stop()
    const next = await startTestNode(join(dir.path, 'next'))
    try {
      const addresses = await listenerAddresses(next)
      assert.ok(addresses.length > 0 && addresses.every(address => address.endsWith(`:${ownPort(next)}`)), `its own listener only: ${addresses.join(' ')}, port ${ownPort(next)}`)
    } finally {
      await next.stop()
    }
  })

  it('a transfer moves the sender\'s bytes up and the receiver\'s bytes down and chunk timings, nobody else\'s', async () => {
    const record = await a.share(await randomFile(dir.path, 'moved.bin', FILE_BYTES))
    await b.get(record.fileId, { from: multiaddr(dialAddress(a)), output: join(dir.path, 'got.bin') })

    assert.equal(await read(registry(b), 'peershare_download_bytes_total'), FILE_BYTES)
    assert.equal(await read(registry(b), 'peershare_chunk_request_seconds_count'), Math.ceil(FILE_BYTES / a.config.chunkSize))
    assert.equal(await read(registry(b), 'peershare_upload_bytes_total'), 0)
    assert.ok((await read(registry(a), 'peershare_upload_bytes_total') ?? 0) >= FILE_BYTES)
    assert.equal(await read(registry(a), 'peershare_download_bytes_total'), 0)
    assert.equal(await read(registry(a), 'peershare_chunk_request_seconds_count'), 0)
    const exchangeSent = async (node: PeershareNode): Promise<number> => await read(registry(node), 'libp2p_data_transfer_bytes_total', { protocol: `${EXCHANGE_PROTOCOL} sent` }) ?? 0
    assert.ok(await exchangeSent(a) >= FILE_BYTES, 'libp2p counted the sender\'s exchange bytes')
    assert.ok(await exchangeSent(b) < FILE_BYTES, 'and not into the receiver\'s registry')
  })

  it('counts gossip verdicts by topic and times searches, local and remote', async () => {
    const pubsub = (node: PeershareNode) => node.libp2p.services.pubsub
    await until(() => pubsub(b).getSubscribers(ANNOUNCE_TOPIC).some(p => p.equals(a.peerId)) && pubsub(a).getSubscribers(ANNOUNCE_TOPIC).some(p => p.equals(b.peerId)), 30_000)
    await a.share(await randomFile(dir.path, 'announced.bin', 1024))
    await eventually('b to accept a\'s announcement', async () => (await read(registry(b), 'peershare_gossip_validation_total', { topic: ANNOUNCE_TOPIC, result: 'accept' }) ?? 0) >= 1)
    assert.equal(await read(registry(a), 'peershare_gossip_validation_total', { topic: ANNOUNCE_TOPIC, result: 'reject' }) ?? 0, 0)

    for await (const _ of b.search({ text: 'announced' })) { /* to the end: local results, peers' answers, done */ }
    for await (const _ of b.search({ text: 'announced', local: true })) { /* local only */ }
    assert.equal(await read(registry(b), 'peershare_search_seconds_count', { scope: 'local' }), 2)
    assert.equal(await read(registry(b), 'peershare_search_seconds_count', { scope: 'remote' }), 1)
    assert.equal(await read(registry(a), 'peershare_search_seconds_count', { scope: 'local' }), 0)
  })

  it('reads replication and the quota from the node when scraped', async () => {
    const record = await a.share(await randomFile(dir.path, 'kept.bin', 4096))
    // nobody offers storage (b's quota is 0 by default): the file stays short of its minimum
    const { status } = await a.replicate(record.fileId, { min: 1, max: 2 })
    assert.equal(status?.state, 'under-replicated')
    assert.equal(await metricOf(a, 'peershare_files_under_replicated'), 1)
    assert.equal(await metricOf(a, 'peershare_replicated_files', { state: 'under-replicated' }), 1)
    assert.equal(await metricOf(b, 'peershare_files_under_replicated'), 0)
    assert.equal(await metricOf(a, 'peershare_quota_bytes', { kind: 'total' }), 0)
    const holder = await PeershareNode.create({ repo: join(dir.path, 'holder'), listen: LOOPBACK_TCP, replication: { quota: '1GiB' } })
    try {
      assert.equal(await metricOf(holder, 'peershare_quota_bytes', { kind: 'total' }), 1024 ** 3)
      assert.equal(await metricOf(holder, 'peershare_quota_bytes', { kind: 'used' }), 0)
      assert.equal(await metricOf(holder, 'peershare_replicas_held'), 0)
    } finally {
      await holder.stop()
    }
  })

  it('with metrics.enabled off: no registry, and GET /metrics answers 404', async () => {
    const node = await PeershareNode.create({ repo: join(dir.path, 'off'), listen: LOOPBACK_TCP, metrics: { enabled: false } })
    const control = new ControlServer(node)
    try {
      assert.equal(node.metrics, undefined)
      const api = await control.start()
      const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${api.token}` } })
      assert.equal(res.status, 404)
      assert.equal((await res.json()).error.code, 'ERR_NOT_FOUND')
    } finally {
      await control.stop()
      await node.stop()
    }
  })
})
