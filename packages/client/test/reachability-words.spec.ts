import assert from 'node:assert/strict'
import { REACHABILITY_WORDS, autonatSummary, isolationSummary, reachabilityPolicySummary, relayServerSummary } from '../src/index.js'

describe('reachability in words (shared by the CLI and the web UI)', () => {
  it('words every reachability state', () => {
    assert.deepEqual(Object.keys(REACHABILITY_WORDS).sort(), ['nat-mapped', 'private', 'public', 'relayed', 'unknown'])
    assert.ok(Object.isFrozen(REACHABILITY_WORDS))
  })

  it('says AutoNAT\'s last confirmation or failure, what awaits checking, and who can check', () => {
    assert.equal(autonatSummary({ lastConfirmed: null, unconfirmed: 0, lastFailure: null, peers: 0 }), 'no address verified yet; 0 peer(s) able to check')
    assert.equal(
      autonatSummary({ lastConfirmed: { address: '/ip4/11.0.0.2/tcp/4001', at: 'T1' }, unconfirmed: 1, lastFailure: { addresses: 2, at: 'T2' }, peers: 3 }),
      'verified /ip4/11.0.0.2/tcp/4001 at T1; reached none of 2 address(es) (since T2); 1 public address(es) unverified; 3 peer(s) able to check'
    )
  })

  it('says whether this node relays for others, with its counts against its caps', () => {
    const relay = { serving: false, reservations: 0, maxReservations: 0, circuits: 0, maxCircuits: 0, refusedCircuits: 0 }
    assert.equal(relayServerSummary(relay), 'off')
    assert.equal(relayServerSummary({ ...relay, serving: true, reservations: 1, maxReservations: 15, circuits: 2, maxCircuits: 16, refusedCircuits: 3 }), 'on: 1/15 reservations, 2/16 relayed connections, 3 refused')
  })

  it('says UPnP, the relay reservation and the settled verdict', () => {
    assert.equal(reachabilityPolicySummary({ upnp: true, reserving: false, settled: { verdict: 'reachable', since: 'T' } }), 'on; relay reservation none; verdict reachable since T')
  })

  it('says why a node is connected to no peer, and what to do when it has nothing to try', () => {
    const bootstrap = [{ address: '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA', error: 'connect ECONNREFUSED 10.0.0.1:4001' }, { address: '/dns4/b.example/tcp/4001/p2p/12D3KooWB' }]
    assert.equal(isolationSummary({ bootstrap, remembered: 2, mdns: true, retryInterval: 10_000 }),
      'bootstrap /ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA failed (connect ECONNREFUSED 10.0.0.1:4001); bootstrap /dns4/b.example/tcp/4001/p2p/12D3KooWB not reached yet; 2 remembered peer(s); mDNS on; trying again every 10 s')
    assert.equal(isolationSummary({ bootstrap: [], remembered: 0, mdns: false, retryInterval: 10_000 }),
      'no bootstrap peer configured (--bootstrap <multiaddr>); 0 remembered peer(s); mDNS off; nothing to try: `peershare swarm connect <multiaddr>` joins through a peer')
    assert.equal(isolationSummary({ bootstrap: [], remembered: 0, mdns: true, retryInterval: 10_000 }),
      'no bootstrap peer configured (--bootstrap <multiaddr>); 0 remembered peer(s); mDNS on; waiting for a peer on the LAN, or `peershare swarm connect <multiaddr>` joins through a peer')
  })
})
