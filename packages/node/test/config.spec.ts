import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULTS, resolveConfig } from '../src/config.js'
import { mergeInit, readConfigFile } from '../src/config-file.js'

describe('config', () => {
  it('resolves an empty init to exactly DEFAULTS plus the repo', () => {
    assert.deepEqual(resolveConfig({ repo: '/r' }), { ...DEFAULTS, repo: '/r' })
  })

  it('merges partial nested settings over the defaults', () => {
    const config = resolveConfig({ repo: '/r', exchange: { maxSessions: 3 }, muxer: { streamWindowBytes: 1 << 20 } })
    assert.equal(config.exchange.maxSessions, 3)
    assert.equal(config.exchange.maxQueuedChunks, DEFAULTS.exchange.maxQueuedChunks)
    assert.equal(config.muxer.streamWindowBytes, 1 << 20)
    assert.equal(config.muxer.maxReadBufferBytes, DEFAULTS.muxer.maxReadBufferBytes)
  })

  it('a command-line setting of a section overrides that one setting of config.json, every section alike (--replication-quota kept the file\'s acceptsFrom out)', () => {
    const file = {
      replication: { acceptsFrom: 'anyone' as const, quota: '1GiB' },
      dhtRecords: { maxPerPeer: 5 },
      exchange: { maxSessions: 7 },
      listen: ['/ip4/127.0.0.1/tcp/4001']
    }
    const merged = mergeInit(file, { replication: { quota: '2GiB' }, dhtRecords: { maxTotal: 50 }, exchange: { maxSessions: undefined } }, {})
    assert.deepEqual(merged.replication, { acceptsFrom: 'anyone', quota: '2GiB' })
    assert.deepEqual(merged.dhtRecords, { maxPerPeer: 5, maxTotal: 50 })
    assert.deepEqual(merged.exchange, { maxSessions: 7 })
    // lists are settings of their own: the caller's replaces the file's (bootstrap lists alone are joined)
    assert.deepEqual(mergeInit(file, { listen: ['/ip4/127.0.0.1/tcp/0'] }, {}).listen, ['/ip4/127.0.0.1/tcp/0'])
    const config = resolveConfig({ ...merged, repo: '/r' })
    assert.equal(config.replication.acceptsFrom, 'anyone')
    assert.equal(config.replication.quota, 2 * 1024 ** 3)
  })

  it('config.json with a section that is not an object of settings, or a rate or size that does not parse, is refused, naming the file and the setting', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'peershare-config-'))
    try {
      for (const bad of ['5', '"1GiB"', 'null', '[1]']) {
        await writeFile(join(repo, 'config.json'), `{"replication": ${bad}}`)
        await assert.rejects(readConfigFile(repo), (err: any) => err.name === 'RepoError' && /"replication" must be an object of settings/.test(err.message), bad)
      }
      await writeFile(join(repo, 'config.json'), '{"replication": {"quota": "1GiB"}, "listen": ["/ip4/127.0.0.1/tcp/0"]}')
      assert.deepEqual((await readConfigFile(repo)).replication, { quota: '1GiB' })
      // a rate or a size that does not parse names the file and the setting (it said only 'Invalid rate "fast"')
      for (const [bad, setting] of [['{"limits": {"download": "fast"}}', 'limits.download'], ['{"replication": {"quota": "huge"}}', 'replication.quota'], ['{"relay": {"dataLimit": "lots"}}', 'relay.dataLimit']]) {
        await writeFile(join(repo, 'config.json'), bad)
        await assert.rejects(readConfigFile(repo), (err: any) => err.name === 'RepoError' && err.message.includes(join(repo, 'config.json')) && err.message.includes(`"${setting}"`), bad)
      }
    } finally {
      await rm(repo, { recursive: true, force: true })
    }
  })

  it('waits for sources at most a minute apart while stalled, and refuses a cap that cannot work', () => {
    assert.equal(DEFAULTS.transfer.stallRetryMax, 60_000)
    assert.equal(resolveConfig({ repo: '/r', transfer: { stallRetryMax: 5000 } }).transfer.stallRetryMax, 5000)
    assert.throws(() => resolveConfig({ repo: '/r', transfer: { stallRetryMax: 0 } }), { name: 'ConfigError' })
  })

  it('keeps the muxer read buffer above its window', () => {
    assert.ok(DEFAULTS.muxer.maxReadBufferBytes > DEFAULTS.muxer.streamWindowBytes)
  })

  it('refuses a muxer write buffer that cannot hold one chunk message of the largest size (yamux would abort every such stream)', () => {
    const least = 4 * 1024 * 1024 + 1024 + 64 * 1024
    assert.throws(() => resolveConfig({ repo: '/r', exchange: { maxUnsentPerSession: 256 * 1024 }, muxer: { maxWriteBufferBytes: 512 * 1024 } }),
      { name: 'ConfigError', message: new RegExp(`muxer\\.maxWriteBufferBytes must be at least ${least} bytes`) })
    assert.throws(() => resolveConfig({ repo: '/r', muxer: { maxWriteBufferBytes: least - 1 } }), { name: 'ConfigError' })
    assert.throws(() => resolveConfig({ repo: '/r', exchange: { maxUnsentPerSession: 6 << 20 }, muxer: { maxWriteBufferBytes: 6 << 20 } }), { name: 'ConfigError' })
    assert.equal(resolveConfig({ repo: '/r', muxer: { maxWriteBufferBytes: least } }).muxer.maxWriteBufferBytes, least)
  })

  it('takes exchange.compression as true or false only', () => {
    assert.equal(resolveConfig({ repo: '/r', exchange: { compression: false } }).exchange.compression, false)
    assert.throws(() => resolveConfig({ repo: '/r', exchange: { compression: 'no' as unknown as boolean } }), { name: 'ConfigError' })
  })

  it('refuses swarm settings that cannot work, naming each: listen addresses, connection counts, rejoin, muxer, provide timing', () => {
    const bad: Array<[Parameters<typeof resolveConfig>[0], RegExp]> = [
      [{ listen: ['0.0.0.0:4001'] }, /listen address 0\.0\.0\.0:4001 is not a multiaddr/],
      [{ listen: ['0.0.0.0:4001'], wsPort: 4002 }, /listen address 0\.0\.0\.0:4001 is not a multiaddr/],
      [{ listen: '/ip4/0.0.0.0/tcp/4001' as unknown as string[] }, /listen must be a list of multiaddrs/],
      [{ reconnectPeers: -1 }, /reconnectPeers must be a whole number/],
      [{ minConnections: 1.5 }, /minConnections must be a whole number/],
      [{ maxConnections: 0 }, /maxConnections must be a positive whole number/],
      [{ minConnections: 20, maxConnections: 10 }, /minConnections \(20\) above maxConnections \(10\)/],
      [{ inboundConnectionsPerHostPerSecond: 0 }, /inboundConnectionsPerHostPerSecond must be a positive number/],
      [{ rejoinInterval: 0 }, /rejoinInterval must be at least 1000 ms/],
      [{ muxer: { streamWindowBytes: 1024 } }, /muxer.streamWindowBytes must be at least 262144/],
      [{ muxer: { maxStreamsPerConnection: 0 } }, /muxer.maxStreamsPerConnection must be a positive whole number/],
      [{ muxer: { keepAliveIntervalMs: 999 } }, /muxer.keepAliveIntervalMs must be a whole number of ms from 1000 to 2147483647/],
      [{ muxer: { keepAliveTimeoutMs: 2 ** 31 } }, /muxer.keepAliveTimeoutMs must be a whole number of ms from 1000/],
      [{ muxer: { keepAliveTimeoutMs: 1500.5 } }, /muxer.keepAliveTimeoutMs must be a whole number of ms/],
      [{ provide: { recordTtl: 'a day' as unknown as number } }, /provide.recordTtl must be a positive number of ms/],
      [{ provide: { refreshInterval: 48 * 3600_000 } }, /provide.refreshInterval must be shorter than provide.recordTtl/],
      [{ mdns: 'yes' as unknown as boolean }, /mdns must be true or false/]
    ]
    for (const [init, message] of bad) {
      assert.throws(() => resolveConfig({ repo: '/r', ...init }), (err: Error) => err.name === 'ConfigError' && message.test(err.message), JSON.stringify(init))
    }
  })

  it('refuses a LAN DHT on the public DHT\'s protocol', () => {
    assert.throws(() => resolveConfig({ repo: '/r', lanDhtProtocol: DEFAULTS.dhtProtocol }), { name: 'ConfigError' })
  })

  it('refuses bootstrap addresses that name no peer: no /p2p/, a bad peer id, not a multiaddr', () => {
    const peer = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'
    assert.equal(resolveConfig({ repo: '/r', bootstrap: [`/ip4/127.0.0.1/tcp/4101/p2p/${peer}`] }).bootstrap.length, 1)
    for (const bad of ['/ip4/127.0.0.1/tcp/4101', '/ip4/127.0.0.1/tcp/4101/p2p/nope', 'localhost:4101']) {
      assert.throws(() => resolveConfig({ repo: '/r', bootstrap: [bad] }), { name: 'ConfigError' }, bad)
    }
  })
})
