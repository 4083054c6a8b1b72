/**
 * Sharing from behind a real NAT (iptables MASQUERADE in network namespaces, netns/):
 * a home daemon without UPnP reserves on a relay on the public segment; a downloader
 * finds its file through the DHT and gets it, first through the relay, then on the
 * direct connection DCUtR opens. Skipped unless root with `ip` and `iptables`.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addressOf, daemonIn, natWorld, pollJson } from './netns/daemons.js'
import { cli, cliJson, type DaemonProcess, sha256File } from './processes.js'

const isRelayed = (address: string): boolean => address.includes('/p2p-circuit')

interface PeerEntry { peerId: string, addresses: string[] }

/** The addresses of the daemon's connections to `peer` */
async function connectionsTo (d: DaemonProcess, peer: string, dir: string): Promise<string[]> {
  const list = await cliJson(d, ['peers'], dir) as PeerEntry[]
  return list.find(p => p.peerId === peer)?.addresses ?? []
}

/** `providers --json` prints one provider per line */
async function providersOf (d: DaemonProcess, fileId: string, dir: string): Promise<Array<{ peerId: string, addresses: string[] }>> {
  const result = await cli(['--repo', d.repo, '--json', 'providers', fileId, '--timeout', '5'], dir, d.netns)
  return result.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
}

/**
 * `get --json`: the progress events' sources, the final event, and the progress events
 * that said `stalled` once bytes had started to arrive (a source lost mid-transfer)
 */
async function getFile (d: DaemonProcess, fileId: string, output: string, dir: string): Promise<{ vias: string[], done: any, stalls: any[] }> {
  const result = await cli(['--repo', d.repo, '--json', 'get', fileId, '-o', output, '--timeout', '45'], dir, d.netns)
  assert.equal(result.code, 0, result.stderr)
  const events = result.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
  const progress = events.filter(e => e.type === 'progress')
  const vias = progress.flatMap(e => e.sourceStats).filter((s: any) => s.active && s.via != null).map((s: any) => s.via)
  const stalls = progress.filter(e => e.state === 'stalled' && e.bytesDone > 0)
  return { vias, done: events.at(-1), stalls }
}

describe('sharing from behind a real NAT through a relay (network namespaces)', function () {
  this.timeout(120_000)
  const world = natWorld('r', 'relay')

  it('a public downloader finds the home daemon\'s file in the DHT, reaches it by the relay, and finishes on a direct connection', async () => {
    const { net, dir } = world
    const relayHost = net.addPublicHost('relay')
    const home = net.addHomeLan('home')
    const sharerHost = home.addHost('sharer')
    const getterHost = net.addPublicHost('getter')

    // relay.server is auto: it listens on a public address, so it relays
    const relay = await daemonIn(relayHost, dir, 'relay')
    const relayAddr = addressOf(relay, relayHost)
    const getter = await daemonIn(getterHost, dir, 'getter', ['--bootstrap', relayAddr])
    // the relay and the getter confirm each other's public address (AutoNAT): DCUtR's
    // unilateral upgrade needs the getter's address announced
    await pollJson<any>(relay, ['status'], dir, 'the relay to be public', s => s.reachability?.reachability === 'public')
    await pollJson<any>(getter, ['status'], dir, 'the getter to be public', s => s.reachability?.reachability === 'public')
    const relayStatus = await cliJson(relay, ['status'], dir)
    assert.equal(relayStatus.reachability.relayServer.serving, true)

    const sharer = await daemonIn(sharerHost, dir, 'sharer', ['--no-upnp', '--bootstrap', relayAddr])
    const sharerStatus = await pollJson<any>(sharer, ['status'], dir, 'a relay reservation and the relay in the DHT routing table',
      s => s.reachability?.relayAddresses.length > 0 && s.dht.public.routingTableSize > 0)
    // (`reachability` itself is for the AutoNAT verdict to settle; the relay address is what matters here)
    assert.equal(sharerStatus.reachability.reserving, true)
    assert.ok(sharerStatus.reachability.relayAddresses.every((a: string) => a.includes(relay.info.peerId)), 'reserved on our relay')

    // four times the relay's default byte cap per relayed connection (128 KiB): had the
    // transfer stayed on the relayed connection, the relay would have closed it part-way
    const file = join(dir, 'shared.bin')
    await writeFile(file, randomBytes(512 * 1024))
    const { fileId } = await cliJson(sharer, ['share', file], dir)

    let found: Array<{ peerId: string, addresses: string[] }> = []
    const end = Date.now() + 45_000
    while (!found.some(p => p.peerId === sharer.info.peerId) && Date.now() < end) found = await providersOf(getter, fileId, dir)
    const provider = found.find(p => p.peerId === sharer.info.peerId)
    assert.ok(provider != null, 'the DHT names the sharer')
    assert.ok(provider.addresses.length > 0 && provider.addresses.every(isRelayed), `only its relay address leads to it: ${provider.addresses.join(' ')}`)

    const output = join(dir, 'got.bin')
    const { vias, done, stalls } = await getFile(getter, fileId, output, dir)
    assert.equal(done.type, 'done')
    assert.equal(await sha256File(output), await sha256File(file))
    // DCUtR closes the relayed connection once it has the direct one: the source goes on on
    // the direct connection at once. A stall that outlasted its first look (2 s in,
    // download/look-schedule.ts) would show a longer countdown to the next one
    assert.ok(stalls.every(e => e.nextLookIn <= 2), `no wait for a later look mid-transfer: ${JSON.stringify(stalls.map(e => [e.stallReason, e.nextLookIn]))}`)

    // the getter could only dial the relay address; the direct connection it holds now comes
    // from the sharer dialling out through its NAT (DCUtR's unilateral upgrade to a public peer)
    const connections = await connectionsTo(getter, sharer.info.peerId, dir)
    assert.ok(connections.length > 0 && connections.every(a => !isRelayed(a) && a.startsWith(`/ip4/${home.router.ip}/tcp/`)),
      `only direct connections, from the router's public address: ${connections.join(' ')}`)
    if (vias.length > 0) assert.equal(vias.at(-1), 'direct', `the transfer ended on the direct connection: ${vias.join(', ')}`)
  })

  it('two daemons behind two different NATs: hole punching fails, and the transfer completes on the relayed connection within the relay\'s caps', async () => {
    const { net, dir } = world
    const relayHost = net.addPublicHost('relay2')
    const sharerHost = net.addHomeLan('homea').addHost('sharer2')
    const getterHost = net.addHomeLan('homeb').addHost('getter2')
    const relay = await daemonIn(relayHost, dir, 'relay2')
    const relayAddr = addressOf(relay, relayHost)
    const sharer = await daemonIn(sharerHost, dir, 'sharer2', ['--no-upnp', '--bootstrap', relayAddr])
    // the getter is behind NAT too: it reserves on the relay as well, and DCUtR runs between two reserved peers
    const getter = await daemonIn(getterHost, dir, 'getter2', ['--no-upnp', '--bootstrap', relayAddr])
    for (const d of [sharer, getter]) {
      await pollJson<any>(d, ['status'], dir, 'a relay reservation and the relay in the routing table', s => s.reachability?.relayAddresses.length > 0 && s.dht.public.routingTableSize > 0)
    }

    // well inside the relay's default 128 KiB per relayed connection
    const file = join(dir, 'small.bin')
    await writeFile(file, randomBytes(24 * 1024))
    const { fileId } = await cliJson(sharer, ['share', file], dir)

    const output = join(dir, 'small.out')
    const { vias, done } = await getFile(getter, fileId, output, dir)
    assert.equal(done.type, 'done')
    assert.equal(await sha256File(output), await sha256File(file))
    // a one-chunk file may finish between two progress events; any that named the source says relayed (limited)
    assert.ok(vias.every(v => v === 'relayed (limited)'), `the source was relayed (limited): ${vias.join(', ')}`)
    // DCUtR had its chance (it runs as the relayed connection opens): neither side learned a
    // public address of the other to dial (doc/LIMITS.md, hole punching), so the only
    // connections between them go through the relay
    const connections = await connectionsTo(getter, sharer.info.peerId, dir)
    assert.ok(connections.length > 0 && connections.every(isRelayed), `only relayed connections: ${connections.join(' ')}`)
    const relayed = await cliJson(relay, ['status'], dir)
    assert.ok(relayed.reachability.relayServer.circuits >= 1, 'the relay carries their connection')
    assert.equal(relayed.reachability.relayServer.refusedCircuits, 0)
  })
})
