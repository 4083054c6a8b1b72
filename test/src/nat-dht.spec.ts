/**
 * The public DHT with its default mode (`dhtMode auto`) on a real public segment (network
 * namespaces, netns/): three daemons with their defaults start as DHT clients, AutoNAT
 * verifies their public addresses, they turn DHT servers, and their public routing tables
 * fill with the peers they were already connected to (identify-push tells those peers the
 * DHT protocol is now spoken). A file one of them shares is found by another through the
 * public DHT: their LAN DHTs hold nobody, as none of them has a private address.
 * Skipped unless root with `ip` and `iptables`.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addressOf, daemonIn, natWorld, pollJson } from './netns/daemons.js'
import { cli, cliJson, type DaemonProcess } from './processes.js'

/** `providers --json` prints one provider per line */
async function providerIds (d: DaemonProcess, fileId: string, dir: string): Promise<string[]> {
  const result = await cli(['--repo', d.repo, '--json', 'providers', fileId, '--timeout', '5'], dir, d.netns)
  return result.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l).peerId)
}

describe('the public DHT in its default mode on a public network (network namespaces)', function () {
  this.timeout(120_000)
  const world = natWorld('d', 'dht')

  it('daemons connected before AutoNAT made them DHT servers enter each other\'s public routing tables, and one finds another\'s file there', async () => {
    const { net, dir } = world
    const firstHost = net.addPublicHost('first')
    const first = await daemonIn(firstHost, dir, 'first')
    const bootstrap = addressOf(first, firstHost)
    // both join through the first; they connect before anyone's address is verified
    const sharer = await daemonIn(net.addPublicHost('sharer'), dir, 'sharer', ['--bootstrap', bootstrap])
    const getter = await daemonIn(net.addPublicHost('getter'), dir, 'getter', ['--bootstrap', bootstrap])

    // the first daemon is connected to both: once all are servers, it holds both, each of them holds it
    const wanted = new Map([[first, 2], [sharer, 1], [getter, 1]])
    for (const [d, peers] of wanted) {
      const status = await pollJson<any>(d, ['status'], dir, `${d.repo}: public, a DHT server, ${peers} peer(s) in its public routing table`,
        s => s.reachability?.reachability === 'public' && s.dht.public.mode === 'server' && s.dht.public.routingTableSize >= peers, 60_000)
      // no private address anywhere: the LAN DHT has nobody, so what is found below came through the public one
      assert.equal(status.dht.lan.routingTableSize, 0)
    }

    const file = join(dir, 'shared.bin')
    await writeFile(file, randomBytes(64 * 1024))
    const { fileId } = await cliJson(sharer, ['share', file], dir)
    let found: string[] = []
    const end = Date.now() + 45_000
    while (!found.includes(sharer.info.peerId) && Date.now() < end) found = await providerIds(getter, fileId, dir)
    assert.ok(found.includes(sharer.info.peerId), `the public DHT names the sharer: ${found.join(' ')}`)
  })
})
