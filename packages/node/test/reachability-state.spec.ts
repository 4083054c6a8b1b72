/** Runtime reachability (reachability/state.ts): every transition and the hysteresis, with address snapshots as libp2p's address manager lists them and a fake clock */
import assert from 'node:assert/strict'
import { type AddressReading, ReachabilityState, type ReachabilityTimings, type Verdict } from '../src/reachability/index.js'
import { FakeClock } from './fake-clock.js'

const TIMINGS: ReachabilityTimings = { verifyWindow: 120_000, settleTime: 60_000, minAutonatPeers: 3 }
// public as libp2p sees it (its isPrivate counts the documentation ranges 198.51.100/24 and 203.0.113/24 as private)
const PUBLIC = '/ip4/1.2.3.4/tcp/4001'
const OBSERVED = '/ip4/5.6.7.8/tcp/51234'
const MAPPED = '/ip4/9.9.9.9/tcp/4001'
const LAN = '/ip4/192.168.1.20/tcp/4001'
const LOOPBACK = '/ip4/127.0.0.1/tcp/4001'
const RELAY_PEER = '12D3KooWNrKndcGZ9MM2K2KFDHPEfhTJR5wVT672Tnpem2n1pqgc'
const RELAYED = `/ip4/1.1.1.1/tcp/4001/p2p/${RELAY_PEER}/p2p-circuit`

function address (addr: string, type: string, verified: boolean, extra: Partial<AddressReading> = {}): AddressReading {
  return { address: addr, type, verified, expires: 0, ...extra }
}

/** A home desktop: a LAN address (always verified) and the public address peers observe (unverified) */
const BEHIND_NAT = [address(LAN, 'transport', true), address(OBSERVED, 'observed', false)]
const VERIFIED_PUBLIC = [address(PUBLIC, 'transport', true, { lastVerified: 5_000 })]
const VERIFIED_MAPPING = [address(LAN, 'transport', true), address(MAPPED, 'ip-mapping', true, { lastVerified: 6_000 })]

describe('runtime reachability', () => {
  let clock: FakeClock
  const state = (initial: Verdict = undefined): ReachabilityState => new ReachabilityState(TIMINGS, () => clock.now(), initial)
  const meetPeers = (s: ReachabilityState, n = 3): void => { for (let i = 0; i < n; i++) s.noteAutonatPeer(`peer-${i}`) }

  beforeEach(() => { clock = new FakeClock() })

  it('is unknown while AutoNAT has not had its peers and its window', () => {
    const s = state()
    s.noteAddresses(BEHIND_NAT)
    assert.equal(s.assessment().reachability, 'unknown')
    meetPeers(s, 2)
    clock.time += TIMINGS.verifyWindow
    s.tick()
    assert.equal(s.assessment().reachability, 'unknown', 'two peers are fewer than minAutonatPeers')
    assert.match(s.assessment().reason, /waiting for AutoNAT \(2 peers/)
  })

  it('unknown → public when AutoNAT verifies a public address, and says when', () => {
    const s = state()
    s.noteAddresses(VERIFIED_PUBLIC)
    const a = s.assessment()
    assert.equal(a.reachability, 'public')
    assert.deepEqual(a.publicAddresses, [PUBLIC])
    assert.match(a.reason, /verified by AutoNAT/)
    assert.deepEqual(s.autonat().lastSuccess, { address: PUBLIC, at: 5_000 })
  })

  it('unknown → nat-mapped when a UPnP mapping is verified', () => {
    const s = state()
    s.noteAddresses(VERIFIED_MAPPING)
    assert.equal(s.assessment().reachability, 'nat-mapped')
    assert.deepEqual(s.assessment().mappedAddresses, [MAPPED])
  })

  it('unknown → private when enough AutoNAT peers were met and the window passed with nothing verified', () => {
    const s = state()
    s.noteAddresses(BEHIND_NAT)
    meetPeers(s)
    clock.time += TIMINGS.verifyWindow - 1
    s.tick()
    assert.equal(s.assessment().reachability, 'unknown')
    clock.time += 1
    s.tick()
    const a = s.assessment()
    assert.equal(a.reachability, 'private')
    assert.match(a.reason, /AutoNAT could not reach 1 address within 120 s \(3 peers able to check\); no relay reservation yet/)
    assert.deepEqual(a.unverified, [OBSERVED])
    assert.deepEqual(s.autonat().lastFailure, { addresses: 1, at: TIMINGS.verifyWindow })
  })

  it('unknown → private at once when AutoNAT unverified a listen address (its 8 failures)', () => {
    const s = state()
    // @libp2p/autonat unverifies a listen address and retries after `expires`
    s.noteAddresses([address(PUBLIC, 'transport', false, { expires: 300_000 })])
    assert.equal(s.assessment().reachability, 'private')
    assert.match(s.assessment().reason, /AutoNAT could not reach 1 address;/)
  })

  it('private → relayed once a relay address is announced, naming the relay', () => {
    const s = state()
    s.noteAddresses([...BEHIND_NAT, address(RELAYED, 'transport', true)])
    meetPeers(s)
    clock.time += TIMINGS.verifyWindow
    s.tick()
    const a = s.assessment()
    assert.equal(a.reachability, 'relayed')
    assert.deepEqual(a.relayAddresses, [RELAYED])
    assert.match(a.reason, new RegExp(`relayed via ${RELAY_PEER}$`))
  })

  it('listening on no address is unreachable for certain: it settles at once', () => {
    const s = new ReachabilityState(TIMINGS, () => clock.now(), undefined, false)
    s.noteAddresses([])
    assert.equal(s.assessment().reachability, 'private')
    assert.equal(s.assessment().certain, true)
    assert.equal(s.settled().verdict, 'unreachable')
  })

  it('a node whose transports are not up yet is unknown, not "listens on nothing"', () => {
    const s = state('reachable')
    s.noteAddresses([])
    assert.equal(s.assessment().reachability, 'unknown')
    assert.equal(s.settled().verdict, 'reachable')
  })

  it('loopback only stays unknown: nothing for AutoNAT to check, nothing to reserve for', () => {
    const s = state()
    s.noteAddresses([address(LOOPBACK, 'transport', true)])
    meetPeers(s)
    clock.time += TIMINGS.verifyWindow * 2
    s.tick()
    assert.equal(s.assessment().reachability, 'unknown')
    assert.equal(s.settled().verdict, undefined)
  })

  it('the start-time guess is the first settled verdict', () => {
    assert.equal(state('unreachable').settled().verdict, 'unreachable')
    assert.equal(state('reachable').settled().verdict, 'reachable')
    assert.equal(state().settled().verdict, undefined)
  })

  it('a new verdict settles only after holding for settleTime (unreachable → reachable)', () => {
    const s = state('unreachable')
    s.noteAddresses(VERIFIED_PUBLIC)
    assert.equal(s.settled().verdict, 'unreachable', 'one result does not release the reservation')
    clock.time += TIMINGS.settleTime - 1
    s.tick()
    assert.equal(s.settled().verdict, 'unreachable')
    clock.time += 1
    s.tick()
    assert.deepEqual(s.settled(), { verdict: 'reachable', since: TIMINGS.settleTime })
    assert.equal(s.autonat().lastFailure, null)
  })

  it('a flapping result never settles: the hold restarts on every change', () => {
    const s = state('unreachable')
    for (let i = 0; i < 10; i++) {
      s.noteAddresses(VERIFIED_PUBLIC)
      clock.time += TIMINGS.settleTime / 2
      s.noteAddresses([address(PUBLIC, 'transport', false, { expires: clock.now() + 300_000 })])
      clock.time += TIMINGS.settleTime / 2
      s.tick()
    }
    assert.equal(s.settled().verdict, 'unreachable')
  })

  it('reachable → unreachable after settleTime when the public address is lost', () => {
    const s = state('reachable')
    s.noteAddresses([address(PUBLIC, 'transport', false, { expires: 300_000 })])
    assert.equal(s.settled().verdict, 'reachable')
    clock.time += TIMINGS.settleTime
    s.tick()
    assert.equal(s.settled().verdict, 'unreachable')
    assert.deepEqual(s.autonat().lastFailure, { addresses: 1, at: 0 })
  })

  it('unknown never replaces a settled verdict (AutoNAT re-checking is not news)', () => {
    const s = state('reachable')
    s.noteAddresses([address(PUBLIC, 'transport', false)])
    clock.time += TIMINGS.settleTime * 10
    s.tick()
    assert.equal(s.assessment().reachability, 'unknown')
    assert.equal(s.settled().verdict, 'reachable')
  })

  it('counts each AutoNAT peer once', () => {
    const s = state()
    s.noteAutonatPeer('a')
    s.noteAutonatPeer('a')
    s.noteAutonatPeer('b')
    assert.equal(s.autonat().peers, 2)
  })
})
