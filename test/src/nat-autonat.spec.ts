/**
 * Reachability learnt at runtime (network namespaces, netns/): a daemon on a public
 * address whose host drops every inbound connection looks public at start (it listens
 * on a public address of its host, so it even serves as a relay); AutoNAT's peers cannot
 * dial it, so it turns unreachable, stops serving, reserves on a relay, and a peer
 * downloads its file through the relay. Skipped unless root with `ip` and `iptables`.
 *
 * The sharer's AutoNAT timings are shortened in its config.json (verify window 5 s,
 * settle 2 s, one peer able to check) so the test does not wait the default 3 minutes.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addressOf, DAEMON_PORT, daemonIn, natWorld, pollJson } from './netns/daemons.js'
import type { Namespace } from './netns/index.js'
import { cli, cliJson, sha256File } from './processes.js'

const isRelayed = (address: string): boolean => address.includes('/p2p-circuit')

/** Drops every inbound packet that does not answer a connection the host opened */
function firewall (host: Namespace): void {
  const iptables = (...args: string[]): void => { execFileSync('ip', ['netns', 'exec', host.name, 'iptables', ...args]) }
  iptables('-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT')
  iptables('-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
  iptables('-A', 'INPUT', '-j', 'DROP')
}

describe('a firewalled node learns it is unreachable and shares through a relay (network namespaces)', function () {
  this.timeout(150_000)
  const world = natWorld('a', 'autonat')

  it('AutoNAT finds no address reachable; it stops serving, reserves on the relay, and a peer downloads through it', async () => {
    const { net, dir } = world
    const relayHost = net.addPublicHost('relay')
    const sharerHost = net.addPublicHost('sharer')
    // behind a home NAT: the sharer cannot dial it either, so no direct connection replaces the relayed one
    const getterHost = net.addHomeLan('home').addHost('getter')
    firewall(sharerHost)

    const relay = await daemonIn(relayHost, dir, 'relay', ['--no-upnp'])
    const relayAddr = addressOf(relay, relayHost)
    const sharer = await daemonIn(sharerHost, dir, 'sharer', ['--no-upnp', '--bootstrap', relayAddr],
      { relay: { verifyWindow: 5_000, settleTime: 2_000, minAutonatPeers: 1 } })

    const first = (await cliJson(sharer, ['status'], dir)).reachability
    assert.equal(first.reserving, false, 'a public address of its host: no reservation at start')
    assert.equal(first.relayServer.serving, true, 'and it relays for others, as the start-time guess says')

    const status = (await pollJson<any>(sharer, ['status'], dir, 'a relay reservation',
      s => s.reachability.reachability === 'relayed' && s.addresses.length > 0 && s.addresses.every(isRelayed), 60_000)).reachability
    assert.match(status.reason, /AutoNAT could not reach \d+ address/)
    assert.match(status.reason, new RegExp(`relayed via ${relay.info.peerId}`))
    assert.equal(status.settled.verdict, 'unreachable')
    assert.equal(status.reserving, true)
    assert.equal(status.relayServer.serving, false, 'an unreachable node does not relay')
    assert.ok(status.autonat.peers >= 1)
    assert.notEqual(status.autonat.lastFailure, null)
    assert.ok(status.unverifiedAddresses.some((a: string) => a.startsWith(`/ip4/${sharerHost.ip}/tcp/${DAEMON_PORT}`)), `its own address is unverified: ${status.unverifiedAddresses}`)
    assert.ok(status.relayAddresses.every((a: string) => a.includes(relay.info.peerId)))

    // small: the relay's default byte cap (128 KiB) must not decide this test
    const file = join(dir, 'shared.bin')
    await writeFile(file, randomBytes(48 * 1024))
    const ownAddresses = (await cliJson(sharer, ['status'], dir)).addresses as string[]
    assert.ok(ownAddresses.length > 0 && ownAddresses.every(isRelayed), `it announces only its relay address: ${ownAddresses.join(' ')}`)
    // the ticket carries the addresses the sharer announces: its relay address only
    const { ticket } = await cliJson(sharer, ['share', file], dir)

    const getter = await daemonIn(getterHost, dir, 'getter', ['--no-upnp'])
    const output = join(dir, 'got.bin')
    const got = await cli(['--repo', getter.repo, '--json', 'get', ticket, '-o', output, '--timeout', '25'], dir, getter.netns)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(output), await sha256File(file))
    const peers = await cliJson(getter, ['peers'], dir) as Array<{ peerId: string, addresses: string[] }>
    const toSharer = peers.find(p => p.peerId === sharer.info.peerId)?.addresses ?? []
    assert.ok(toSharer.length > 0 && toSharer.every(isRelayed), `connected to the sharer through the relay only: ${toSharer.join(' ')}`)

    // the relay's own address passed AutoNAT (dial-backs on fresh connections: reachability/autonat.ts)
    const relayStatus = (await pollJson<any>(relay, ['status'], dir, 'the relay verified', s => s.reachability.reachability === 'public', 60_000)).reachability
    assert.deepEqual(relayStatus.publicAddresses, [`/ip4/${relayHost.ip}/tcp/${DAEMON_PORT}`])
    assert.ok(relayStatus.relayServer.reservations >= 1)
  })
})
