import assert from 'node:assert/strict'
import type { NetworkInterfaceInfo } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import { freshDialAutoNAT, isPublicIp, relayReservationWanted, relayServerWanted, upnpWanted } from '../src/reachability/index.js'
import { blameRoute, movesToDirect, routeOf } from '../src/reachability/route.js'
import { DEFAULTS, resolveConfig } from '../src/config.js'

function iface (address: string, internal = false): NetworkInterfaceInfo {
  return { address, internal, family: address.includes(':') ? 'IPv6' : 'IPv4', netmask: '', mac: '', cidr: null } as NetworkInterfaceInfo
}

const HOME_DESKTOP = { lo: [iface('127.0.0.1', true)], eth0: [iface('192.168.1.20')] }
const PUBLIC_SERVER = { lo: [iface('127.0.0.1', true)], eth0: [iface('203.0.113.7')] }

describe('reachability policy', () => {
  it('classifies public and private addresses', () => {
    for (const ip of ['203.0.113.7', '8.8.8.8', '2001:db8::1']) assert.equal(isPublicIp(ip), true, ip)
    for (const ip of ['10.0.0.1', '172.16.3.4', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', 'nonsense']) assert.equal(isPublicIp(ip), false, ip)
  })

  it('auto serves as a relay only where the node listens on a public address of the host', () => {
    assert.equal(relayServerWanted('auto', ['/ip4/0.0.0.0/tcp/4001'], PUBLIC_SERVER), true)
    assert.equal(relayServerWanted('auto', ['/ip4/203.0.113.7/tcp/4001'], PUBLIC_SERVER), true)
    assert.equal(relayServerWanted('auto', ['/ip4/127.0.0.1/tcp/4001'], PUBLIC_SERVER), false)
    assert.equal(relayServerWanted('auto', ['/ip4/0.0.0.0/tcp/4001'], HOME_DESKTOP), false)
    assert.equal(relayServerWanted('on', ['/ip4/127.0.0.1/tcp/0'], HOME_DESKTOP), true)
    assert.equal(relayServerWanted('off', ['/ip4/0.0.0.0/tcp/4001'], PUBLIC_SERVER), false)
  })

  it('auto reserves on a relay when nobody can dial the node directly', () => {
    assert.equal(relayReservationWanted('auto', [], PUBLIC_SERVER), true, 'listening on nothing')
    assert.equal(relayReservationWanted('auto', ['/ip4/0.0.0.0/tcp/4001'], HOME_DESKTOP), true, 'behind a home router')
    assert.equal(relayReservationWanted('auto', ['/ip4/0.0.0.0/tcp/4001'], PUBLIC_SERVER), false, 'a public server')
    assert.equal(relayReservationWanted('auto', ['/ip4/127.0.0.1/tcp/0'], HOME_DESKTOP), false, 'one machine')
    assert.equal(relayReservationWanted('off', [], HOME_DESKTOP), false)
    assert.equal(relayReservationWanted('on', ['/ip4/127.0.0.1/tcp/0'], HOME_DESKTOP), true)
  })

  it('UPnP runs only where there is a LAN address to map', () => {
    assert.equal(upnpWanted(true, ['/ip4/0.0.0.0/tcp/4001']), true)
    assert.equal(upnpWanted(true, ['/ip4/127.0.0.1/tcp/0']), false)
    assert.equal(upnpWanted(true, []), false)
    assert.equal(upnpWanted(false, ['/ip4/0.0.0.0/tcp/4001']), false)
  })
})

describe('connection routes', () => {
  const relayed = `/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWNrKndcGZ9MM2K2KFDHPEfhTJR5wVT672Tnpem2n1pqgc/p2p-circuit/p2p/12D3KooWAqyhTEdZAimzP8XxgLVzmYsBzoUbuMkigXha6Td2Qrt2`

  it('tells direct, relayed and limited relayed connections apart', () => {
    assert.equal(routeOf({ remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001') }).via, 'direct')
    assert.equal(routeOf({ remoteAddr: multiaddr(relayed) }).via, 'relayed')
    const limited = routeOf({ remoteAddr: multiaddr(relayed), limits: { bytes: 131072n } })
    assert.equal(limited.via, 'relayed (limited)')
    assert.match(limited.limits ?? '', /131072 bytes/)
  })

  it('moves a relayed source to a direct connection, never the other way or relay to relay', () => {
    const direct = { remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001') }
    const viaRelay = { remoteAddr: multiaddr(relayed), limits: { bytes: 131072n } }
    assert.equal(movesToDirect(routeOf(viaRelay), direct), true)
    assert.equal(movesToDirect(routeOf({ remoteAddr: multiaddr(relayed) }), direct), true)
    assert.equal(movesToDirect(routeOf(direct), direct), false)
    assert.equal(movesToDirect(routeOf(viaRelay), viaRelay), false)
    assert.equal(movesToDirect(routeOf(direct), viaRelay), false)
  })

  it('names a dropped limited relayed connection, but not misbehaviour or a direct failure', () => {
    const limited = routeOf({ remoteAddr: multiaddr(relayed), limits: { bytes: 131072n } })
    assert.equal(blameRoute(limited, 'peer', new Error('stream reset')).name, 'RelayLimitedError')
    const misbehaved = Object.assign(new Error('bad chunk'), { name: 'PeerMisbehavedError' })
    assert.equal(blameRoute(limited, 'peer', misbehaved), misbehaved)
    const direct = new Error('stream reset')
    assert.equal(blameRoute(routeOf({ remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001') }), 'peer', direct), direct)
  })
})

describe('relay settings', () => {
  it('takes the data limit with units and refuses modes and caps that cannot work', () => {
    assert.equal(resolveConfig({ relay: { dataLimit: '4MiB' } }).relay.dataLimit, 4 * 1024 * 1024)
    assert.deepEqual(resolveConfig({ relay: { server: 'on' } }).relay, { ...DEFAULTS.relay, server: 'on' })
    assert.throws(() => resolveConfig({ relay: { server: 'yes' as 'on' } }), { name: 'ConfigError' })
    assert.throws(() => resolveConfig({ relay: { maxCircuits: 0 } }), { name: 'ConfigError' })
    assert.throws(() => resolveConfig({ upnp: 'on' as unknown as boolean }), { name: 'ConfigError' })
  })
})

describe('AutoNAT dial-backs', () => {
  it('a dial-back (one address) opens a new connection; a search dial (an address list) may reuse one; the rest reaches libp2p', async () => {
    const calls: Array<{ peer: unknown, force: unknown }> = []
    const connectionManager = {
      limit: 7,
      openConnection: async (peer: unknown, options: { force?: boolean } = {}) => { calls.push({ peer, force: options.force }); return {} },
      getMaxConnections () { return this.limit }
    }
    // what the factory handed AutoNAT (its `components`, read back)
    const service: any = freshDialAutoNAT()(Object.create({
      connectionManager,
      logger: { forComponent: () => Object.assign(() => {}, { error: () => {}, trace: () => {} }) },
      metrics: undefined
    }))
    const seen = service.components.connectionManager
    const address = multiaddr('/ip4/1.2.3.4/tcp/4001')
    await seen.openConnection(address)
    await seen.openConnection([address], { signal: undefined })
    assert.deepEqual(calls, [{ peer: address, force: true }, { peer: [address], force: undefined }])
    assert.equal(seen.getMaxConnections(), 7)
  })
})
