/**
 * UPnP behind a real NAT (network namespaces, netns/): a home daemon with its defaults
 * maps its port on a fake UPnP router (netns/fake-igd.ts, which installs a real DNAT
 * rule), AutoNAT confirms the mapped address from the public side, `status` shows it,
 * and a public peer that never met the daemon downloads from it at that address.
 * Skipped unless root with `ip` and `iptables`.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addressOf, DAEMON_PORT, daemonIn, natWorld, pollJson } from './netns/daemons.js'
import { startFakeGateway } from './netns/gateway.js'
import { cli, cliJson, sha256File } from './processes.js'

describe('UPnP port mapping on a home router (network namespaces)', function () {
  this.timeout(120_000)
  const world = natWorld('u', 'upnp')

  it('a home daemon maps its port, AutoNAT confirms it, and a stranger downloads through the mapping', async () => {
    const { net, dir } = world
    const home = net.addHomeLan('home')
    const pc = home.addHost('pc')
    const peerHost = net.addPublicHost('peer')
    const strangerHost = net.addPublicHost('stranger')
    const gateway = await startFakeGateway(home)

    // a public peer the home daemon joins through; it checks the mapped address (AutoNAT)
    const peer = await daemonIn(peerHost, dir, 'peer')
    // the daemon's defaults: UPnP on, since it listens on a LAN address
    const homeDaemon = await daemonIn(pc, dir, 'home')
    const mapped = await gateway.seen('AddAnyPortMapping for the daemon', e => e.action === 'AddAnyPortMapping')
    assert.equal(mapped.internalClient, pc.ip)
    assert.equal(mapped.internalPort, DAEMON_PORT)
    assert.equal(mapped.protocol, 'TCP')
    assert.equal(mapped.description, 'peershare')

    const mappedAddress = `/ip4/${home.router.ip}/tcp/${mapped.externalPort}`
    // AutoNAT asks the peers it connects to to dial its unconfirmed addresses: connect now
    // that the mapping exists (a daemon meets new peers all the time; this one knows one)
    await cliJson(homeDaemon, ['swarm', 'connect', addressOf(peer, peerHost)], dir)
    const status = await pollJson<any>(homeDaemon, ['status'], dir, 'the mapped address confirmed', s => s.reachability?.mappedAddresses.length > 0)
    assert.equal(status.reachability.reachability, 'nat-mapped')
    assert.equal(status.reachability.upnp, true)
    assert.ok(status.reachability.mappedAddresses.some((a: string) => a.startsWith(mappedAddress)), `status shows ${mappedAddress}: ${status.reachability.mappedAddresses.join(' ')}`)
    const human = await cli(['--repo', homeDaemon.repo, 'status'], dir, homeDaemon.netns)
    assert.equal(human.code, 0, human.stderr)
    assert.ok(human.stdout.includes(mappedAddress), `\`peershare status\` shows the mapped address:\n${human.stdout}`)

    const file = join(dir, 'home.bin')
    await writeFile(file, randomBytes(256 * 1024))
    const { fileId } = await cliJson(homeDaemon, ['share', file], dir)
    // a peer that never met the home daemon dials the mapped address: the router forwards it
    const stranger = await daemonIn(strangerHost, dir, 'stranger')
    const output = join(dir, 'home.out')
    const got = await cli(['--repo', stranger.repo, '--json', 'get', fileId, '--peer', `${mappedAddress}/p2p/${homeDaemon.info.peerId}`, '-o', output, '--timeout', '45'], dir, stranger.netns)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(output), await sha256File(file))
    const peers = await cliJson(stranger, ['peers'], dir) as Array<{ peerId: string, addresses: string[] }>
    const toHome = peers.find(p => p.peerId === homeDaemon.info.peerId)?.addresses ?? []
    assert.ok(toHome.some(a => a.startsWith(`${mappedAddress}/`)), `connected at the mapped address: ${toHome.join(' ')}`)

    // the library removes its mapping when the daemon stops
    homeDaemon.child.kill('SIGTERM')
    await homeDaemon.exited
    await gateway.seen('DeletePortMapping', e => e.action === 'DeletePortMapping' && e.externalPort === mapped.externalPort, 10_000)
  })
})
