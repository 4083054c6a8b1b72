/**
 * Runtime reachability on real nodes (127.0.0.1): the controller reserves on a relay by
 * listening on `/p2p-circuit` at runtime, releases it once a public address holds, serves
 * as a relay while it does, and the status JSON says what and why.
 *
 * Nothing on loopback is public, and AutoNAT never verifies a private address, so the
 * second test adds one verified public address to the real address manager's list (a
 * seam through the controller's components, as libp2p.ts does for the DHT's datastore);
 * everything else (libp2p, the relay, reservations, listeners) is real.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CircuitCap, type ControllerInit, RESERVE_RETRY_INTERVAL, ReachabilityController } from '../src/reachability/index.js'
import type { PeershareNode } from '../src/index.js'
import { DEFAULTS } from '../src/config.js'
import { dialAddress, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const relayAddressesOf = (addrs: Array<{ toString(): string }>): string[] => addrs.map(String).filter(a => a.includes('/p2p-circuit'))

/** A relay whose first `stalled` RESERVEs are answered after 6 s, once the asker's 5 s ran out (a busy relay, a slow link); counts them all */
function stallReserves (relay: PeershareNode, stalled: number): { count: number } {
  const seen = { count: 0 }
  const server = relay.libp2p.services.reachability.relay() as unknown as { handleReserve: (...args: unknown[]) => Promise<void> }
  const handleReserve = server.handleReserve.bind(server)
  server.handleReserve = async (...args: unknown[]) => {
    if (++seen.count <= stalled) await new Promise(resolve => setTimeout(resolve, 6_000))
    return handleReserve(...args)
  }
  return seen
}

/** What a controller on a node listening on nothing starts with here (unreachable at once; the tick every 250 ms) */
function controllerInit (changes: Partial<ControllerInit>): ControllerInit {
  return {
    reserve: 'auto',
    server: 'auto',
    initial: undefined,
    listens: false,
    timings: { verifyWindow: 60_000, settleTime: 500, minAutonatPeers: 3 },
    relayServer: { reservations: { maxReservations: 2 } },
    circuits: new CircuitCap(DEFAULTS.relay.maxCircuits),
    upnp: false,
    ...changes
  }
}

/** A stock libp2p node listening on nothing, with the controller `reachability` makes from its components */
async function nodeWithController (reachability: (components: any) => ReachabilityController): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), reachability }
  })
}

describe('runtime reachability on real nodes (127.0.0.1)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let relay: PeershareNode
  const stops: Array<() => Promise<void>> = []

  before(async () => {
    dir = await tempDir()
    // loopback is never public: serving is the user's setting here
    relay = await startTestNode(join(dir.path, 'relay'), { relay: { server: 'on' } })
    stops.push(async () => relay.stop())
  })
  after(async () => {
    await Promise.allSettled(stops.map(async stop => stop()))
    await dir?.cleanup()
  })

  it('a node listening on nothing reserves at runtime; /v1/status says relayed, why and via whom', async () => {
    const sharer = await startTestNode(join(dir.path, 'sharer'), { listen: [], bootstrap: [dialAddress(relay)] })
    stops.push(async () => sharer.stop())
    await until(() => relayAddressesOf(sharer.addresses).length > 0, 30_000)

    // the JSON the control API serves
    const s = JSON.parse(JSON.stringify(await sharer.status())).reachability
    assert.equal(s.reachability, 'relayed')
    assert.match(s.reason, /listens on no address/)
    assert.match(s.reason, new RegExp(`relayed via ${relay.peerId.toString()}`))
    assert.equal(s.reserving, true)
    assert.equal(s.settled.verdict, 'unreachable')
    assert.ok(s.relayAddresses.length > 0)
    assert.deepEqual(s.publicAddresses, [])
    assert.equal(typeof s.autonat.peers, 'number')
    assert.equal(s.relayServer.serving, false)

    const r = (await relay.status()).reachability
    assert.equal(r?.relayServer.serving, true)
    assert.ok((r?.relayServer.reservations ?? 0) >= 1)
    assert.equal(r?.reachability, 'unknown', 'loopback only: nothing for AutoNAT to check')
  })

  it('releases the reservation and serves once a public address holds; reserves again and stops serving when it is gone', async () => {
    let publicAddress = false
    const settleTime = 500
    let controller: ReachabilityController | undefined
    const init = controllerInit({ timings: { verifyWindow: 60_000, settleTime, minAutonatPeers: 3 } })
    const node = await nodeWithController(components => {
      const addressManager = components.addressManager
      // the seam: one verified public address while the test says so
      const withPublic = { getAddressesWithMetadata: () => [...addressManager.getAddressesWithMetadata(), ...(publicAddress ? [{ multiaddr: multiaddr('/ip4/1.2.3.4/tcp/4001'), verified: true, type: 'observed', expires: Date.now() + 600_000, lastVerified: Date.now() }] : [])] }
      controller = new ReachabilityController(Object.create(components, { addressManager: { value: withPublic } }), init)
      return controller
    })
    stops.push(async () => node.stop())
    const reach = (): ReachabilityController => controller as ReachabilityController
    await node.dial(multiaddr(dialAddress(relay)))

    // listening on nothing: unreachable for certain, so it reserves at once
    await until(() => relayAddressesOf(node.getMultiaddrs()).length > 0, 30_000)
    assert.equal(reach().reserving(), true)
    assert.equal(reach().relay(), undefined)

    const turnedPublic = Date.now()
    publicAddress = true
    await until(() => relayAddressesOf(node.getMultiaddrs()).length === 0 && reach().relay() != null, 10_000)
    const settled = reach().status().settled
    assert.equal(settled.verdict, 'reachable')
    assert.ok(Date.parse(settled.since) - turnedPublic >= settleTime, 'released only after the verdict held for settleTime')
    assert.equal(reach().reserving(), false)
    assert.ok(node.getProtocols().includes(RELAY_V2_HOP_CODEC), 'serves as a relay')

    publicAddress = false
    await until(() => relayAddressesOf(node.getMultiaddrs()).length > 0 && reach().relay() == null, 30_000)
    assert.equal(node.getProtocols().includes(RELAY_V2_HOP_CODEC), false, 'no longer serves')
    assert.equal(reach().status().reachability, 'relayed')
  })
  it('a node whose first reservation timed out asks the connected relay again within RESERVE_RETRY_INTERVAL', async function () {
    // the controller looks every 15 s (its default timings): the first ask comes 30-45 s after the start, a second (if a busy machine made the first time out) 60-75 s later
    this.timeout(6 * RESERVE_RETRY_INTERVAL)
    const slowRelay = await startTestNode(join(dir.path, 'slow-relay'), { relay: { server: 'on' } })
    stops.push(async () => slowRelay.stop())
    await until(() => slowRelay.libp2p.services.reachability.relay() != null, 30_000)
    const reserves = stallReserves(slowRelay, 1)
    const unlucky = await startTestNode(join(dir.path, 'unlucky'), { listen: [], bootstrap: [dialAddress(slowRelay)] })
    stops.push(async () => unlucky.stop())
    await until(() => relayAddressesOf(unlucky.addresses).length > 0, 5 * RESERVE_RETRY_INTERVAL)
    assert.ok(reserves.count >= 2, `asked again: ${reserves.count} RESERVE`)
    assert.ok(relayAddressesOf(unlucky.addresses).every(a => a.includes(`/p2p/${slowRelay.peerId.toString()}/p2p-circuit`)))
    assert.equal((await unlucky.status()).reachability?.reserving, true)
  })
  it('asks again through one listener of its own, waiting twice as long after each ask that got nothing', async function () {
    this.timeout(120_000)
    const slowRelay = await startTestNode(join(dir.path, 'slower-relay'), { relay: { server: 'on' } })
    stops.push(async () => slowRelay.stop())
    await until(() => slowRelay.libp2p.services.reachability.relay() != null, 30_000)
    // the search's attempt and the first two asks get nothing (the first ask joins the search's attempt)
    const reserves = stallReserves(slowRelay, 2)
    let listeners: () => unknown[] = () => []
    const node = await nodeWithController(components => {
      listeners = () => components.transportManager.getListeners()
      return new ReachabilityController(components, controllerInit({ server: 'off', reserveRetryInterval: 1_000 }))
    })
    stops.push(async () => node.stop())
    await node.dial(multiaddr(dialAddress(slowRelay)))
    await until(() => relayAddressesOf(node.getMultiaddrs()).length > 0, 90_000)
    assert.ok(reserves.count >= 3, `${reserves.count} RESERVE`)
    // listening on nothing else: the search's listener and the one all asks share
    assert.equal(listeners().length, 2)
  })
})
