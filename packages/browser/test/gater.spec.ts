/// <reference types="node" />
/// <reference types="mocha" />
/**
 * The browser peer's connection gater, run in Node (it is pure): the hosts the user gave
 * are dialable, every other loopback/private/link-local host is refused, public ones pass
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { AllowedHosts, isPrivateHost } from '../src/gater/index.js'

describe('browser peer connection gater', () => {
  it('knows private, loopback, shared and link-local hosts, in IPv4 and IPv6, and local names', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.3.4', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd12::1', 'fc00::5', 'fe80::1', '::ffff:192.168.0.1', 'localhost', 'nas.local']) {
      assert.equal(isPrivateHost(host), true, host)
    }
    for (const host of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2001:db8::1', '2606:4700::1', '::ffff:1.1.1.1', 'example.com']) {
      assert.equal(isPrivateHost(host), false, host)
    }
  })

  it('allows exactly the private hosts given, and public addresses', async () => {
    const allowed = new AllowedHosts()
    allowed.allow([multiaddr('/ip4/127.0.0.1/udp/4001/webrtc-direct'), multiaddr('/ip6/fd00::7/tcp/4002/ws')])
    const deny = allowed.gater().denyDialMultiaddr!
    assert.equal(await deny(multiaddr('/ip4/127.0.0.1/udp/5000/webrtc-direct')), false, 'the given host, another port')
    assert.equal(await deny(multiaddr('/ip6/fd00::7/tcp/4002/ws')), false)
    assert.equal(await deny(multiaddr('/ip4/192.168.1.1/tcp/80/ws')), true, 'a LAN host nobody gave')
    assert.equal(await deny(multiaddr('/ip4/127.0.0.2/tcp/80/ws')), true, 'another loopback host')
    assert.equal(await deny(multiaddr('/dns/localhost/tcp/80/ws')), true)
    assert.equal(await deny(multiaddr('/ip4/8.8.8.8/tcp/443/wss')), false, 'public')
  })
})
