import assert from 'node:assert/strict'
import type { ReachabilityStatus } from '@peershare/client'
import { browserLines, reachabilityLines } from '../src/commands/status.js'

const RELAY_ADDR = '/ip4/11.0.0.2/tcp/4001/p2p/12D3KooWRelay/p2p-circuit'

const RELAYED: ReachabilityStatus = {
  reachability: 'relayed',
  reason: 'behind NAT: AutoNAT could not reach 2 addresses within 120 s (3 peers able to check); relayed via 12D3KooWRelay',
  publicAddresses: [],
  mappedAddresses: [],
  relayAddresses: [RELAY_ADDR],
  unverifiedAddresses: ['/ip4/11.0.0.3/tcp/4001', '/ip4/11.0.0.3/tcp/53012'],
  autonat: { lastConfirmed: null, unconfirmed: 2, lastFailure: { addresses: 2, at: '2026-12-01T07:00:00.000Z' }, peers: 3 },
  settled: { verdict: 'unreachable', since: '2026-12-01T07:01:00.000Z' },
  upnp: false,
  reserving: true,
  relayServer: { serving: false, reservations: 0, maxReservations: 0, circuits: 0, maxCircuits: 0, refusedCircuits: 0 }
}

describe('status: reachability lines', () => {
  it('says the state and why, the relay and unverified addresses, and AutoNAT\'s last result', () => {
    const lines = reachabilityLines(RELAYED)
    assert.equal(lines[0], 'reachability   behind NAT, reachable through relays')
    assert.equal(lines[1], `  why          ${RELAYED.reason}`)
    assert.ok(lines.includes(`relay addr     ${RELAY_ADDR}`))
    assert.ok(lines.includes('unverified     /ip4/11.0.0.3/tcp/4001'))
    assert.ok(lines.includes('autonat        no address verified yet; reached none of 2 address(es) (since 2026-12-01T07:00:00.000Z); 2 public address(es) unverified; 3 peer(s) able to check'))
    assert.ok(lines.some(l => l.startsWith('upnp           off; relay reservation taken (or looked for) while unreachable; verdict unreachable since 2026-12-01T07:01:00.000Z')))
    assert.ok(lines.includes('relay server   off'))
  })

  it('names a verified public address and the relay server\'s counts', () => {
    const lines = reachabilityLines({
      ...RELAYED,
      reachability: 'public',
      reason: 'public: /ip4/11.0.0.2/tcp/4001 verified by AutoNAT',
      publicAddresses: ['/ip4/11.0.0.2/tcp/4001'],
      relayAddresses: [],
      unverifiedAddresses: [],
      autonat: { lastConfirmed: { address: '/ip4/11.0.0.2/tcp/4001', at: '2026-12-01T07:02:00.000Z' }, unconfirmed: 0, lastFailure: null, peers: 2 },
      settled: { verdict: 'reachable', since: '2026-12-01T07:03:00.000Z' },
      reserving: false,
      relayServer: { serving: true, reservations: 1, maxReservations: 15, circuits: 1, maxCircuits: 16, refusedCircuits: 0 }
    })
    assert.equal(lines[0], 'reachability   public (others dial this node directly)')
    assert.ok(lines.includes('public addr    /ip4/11.0.0.2/tcp/4001'))
    assert.ok(lines.includes('autonat        verified /ip4/11.0.0.2/tcp/4001 at 2026-12-01T07:02:00.000Z; 2 peer(s) able to check'))
    assert.ok(lines.includes('relay server   on: 1/15 reservations, 1/16 relayed connections, 0 refused'))
  })
})

describe('status: browser address lines', () => {
  it('lists each address with its transport and scope, relayed ones marked, in aligned columns', () => {
    const lines = browserLines({
      peerId: '12D3KooWSelf',
      addresses: [
        { address: '/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/uEiA/p2p/12D3KooWSelf', transport: 'webrtc-direct', scope: 'loopback', relayed: false },
        { address: '/ip4/11.0.0.2/tcp/4002/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWSelf', transport: 'ws', scope: 'public', relayed: true }
      ]
    })
    assert.deepEqual(lines, [
      'browser addr   webrtc-direct           loopback /ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/uEiA/p2p/12D3KooWSelf',
      '               ws (relayed)            public   /ip4/11.0.0.2/tcp/4002/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWSelf'
    ])
  })

  it('says how to get one when there is none', () => {
    assert.deepEqual(browserLines({ peerId: '12D3KooWSelf', addresses: [] }), ['browser addr   none (listen on webrtc-direct, or --ws-port)'])
  })
})
