/**
 * Acts on runtime reachability (state.ts): a libp2p service that feeds the state
 * machine from the address manager and the AutoNAT-capable peers it meets, and on the
 * settled verdict (for `auto` settings; `on`/`off` are absolute)
 * - takes a reservation on a relay by listening on `/p2p-circuit` while unreachable,
 *   and closes that listener (its relay addresses stop being announced) once reachable;
 * - serves as a relay while reachable (a fresh circuit-relay-v2 server each time: a
 *   stopped one cannot be restarted), and stops when no longer.
 * - while it looks for a relay and holds no reservation, asks one connected relay for one
 *   itself, RESERVE_RETRY_INTERVAL (below) after it last held one or asked, then less often.
 * It also answers `peershare status` (status()).
 */
import { type CircuitRelayServerComponents, type CircuitRelayServerInit, type CircuitRelayService, RELAY_V2_HOP_CODEC, circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { IdentifyResult, Libp2pEvents, Listener, Logger, Startable, TypedEventTarget } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { ReachabilityStatus } from '@peershare/client'
import type { CircuitCap } from './circuit-cap.js'
import type { RelayMode } from './relay-policy.js'
import { type AddressReading, ReachabilityState, type ReachabilityTimings, type Verdict } from './state.js'

/** The listen address that makes the relay transport find a relay and reserve a slot on it */
export const RESERVE_ON_A_RELAY = '/p2p-circuit'
const AUTONAT_PROTOCOL = '/libp2p/autonat/1.0.0'

/**
 * How long after it began to look for a relay, or last asked one, a node that holds no
 * relay address asks a connected relay for a reservation itself (ms). libp2p's relay
 * transport tries a relay once, when identify first says it is one, and not again while
 * they stay connected: one attempt that timed out (5 s, a busy relay or link) left the
 * node unreachable for as long as that connection lived. Each ask that gets nothing
 * doubles the wait, up to MAX_RESERVE_RETRY_INTERVAL.
 */
export const RESERVE_RETRY_INTERVAL = 30_000
/** The longest wait between two asks (ms): relays that keep refusing are asked seldom */
export const MAX_RESERVE_RETRY_INTERVAL = 10 * 60_000

export interface ControllerInit {
  reserve: RelayMode
  server: RelayMode
  /** the start-time guess (relay-policy.ts): the verdict until runtime evidence settles */
  initial: Verdict
  /** the settings give addresses to listen on (false: the node can only dial out) */
  listens: boolean
  timings: ReachabilityTimings
  relayServer: CircuitRelayServerInit
  circuits: CircuitCap
  upnp: boolean
  clock?: () => number
  /** the first wait before asking a relay again (ms; RESERVE_RETRY_INTERVAL unless a test makes it short) */
  reserveRetryInterval?: number
}

/** The parts of libp2p's internal components the controller uses (@libp2p/interface-internal, not a dependency of ours) */
export type ControllerComponents = CircuitRelayServerComponents & {
  transportManager: { listen(addrs: Multiaddr[]): Promise<void>, getListeners(): Listener[] }
  addressManager: { getAddressesWithMetadata(): Array<{ multiaddr: Multiaddr, verified: boolean, type: string, expires: number, lastVerified?: number }> }
  events: TypedEventTarget<Libp2pEvents>
}

type RelayServer = CircuitRelayService & Startable

export class ReachabilityController implements Startable {
  private readonly state: ReachabilityState
  private readonly log: Logger
  private relayServer: RelayServer | undefined
  private relayListeners: Listener[] = []
  /** the listener of the last reservation asked of a connected relay (one of relayListeners) */
  private askedListener: Listener | undefined
  /** when this node last looked for a relay or asked one, and how long until it asks (again) */
  private lastReserveTry = 0
  private readonly firstRetry: number
  private retryInterval: number
  /** an ask under way: outside the `applying` chain, which it could hold up for a while (the relay transport reserves one relay at a time) */
  private asking: Promise<void> | undefined
  private readonly clock: () => number
  private timer: ReturnType<typeof setInterval> | undefined
  /** changes run one after another: listening and closing must not interleave */
  private applying: Promise<void> = Promise.resolve()
  private running = false

  constructor (private readonly components: ControllerComponents, private readonly init: ControllerInit) {
    this.clock = init.clock ?? Date.now
    this.firstRetry = init.reserveRetryInterval ?? RESERVE_RETRY_INTERVAL
    this.retryInterval = this.firstRetry
    this.state = new ReachabilityState(init.timings, this.clock, init.initial, init.listens)
    this.log = components.logger.forComponent('peershare:node:reachability')
  }

  readonly [Symbol.toStringTag] = 'peershare:reachability'

  start (): void {
    this.running = true
  }

  afterStart (): void {
    const { events } = this.components
    events.addEventListener('self:peer:update', this.refresh)
    events.addEventListener('transport:listening', this.refresh)
    events.addEventListener('transport:close', this.refresh)
    events.addEventListener('peer:identify', this.onIdentify)
    const { verifyWindow, settleTime } = this.init.timings
    this.timer = setInterval(this.refresh, Math.max(250, Math.min(verifyWindow, settleTime) / 4))
    this.timer.unref?.()
    this.refresh()
  }

  async stop (): Promise<void> {
    this.running = false
    const { events } = this.components
    events.removeEventListener('self:peer:update', this.refresh)
    events.removeEventListener('transport:listening', this.refresh)
    events.removeEventListener('transport:close', this.refresh)
    events.removeEventListener('peer:identify', this.onIdentify)
    clearInterval(this.timer)
    await this.applying
    await this.asking
    await this.stopServing()
  }

  /** True while this node takes (or looks for) a reservation on a relay */
  reserving (): boolean {
    return this.relayListeners.length > 0
  }

  /** The relay server running now (auto: only while a public address is verified) */
  relay (): CircuitRelayService | undefined {
    return this.relayServer
  }

  status (): ReachabilityStatus {
    // what the address manager says now, not at the last event
    this.refresh()
    const a = this.state.assessment()
    const autonat = this.state.autonat()
    const settled = this.state.settled()
    const { circuits } = this.init
    const serving = this.relayServer != null
    const relayConfig = this.init.relayServer.reservations
    const iso = (at: number): string => new Date(at).toISOString()
    return {
      reachability: a.reachability,
      reason: a.reason,
      publicAddresses: a.publicAddresses,
      mappedAddresses: a.mappedAddresses,
      relayAddresses: a.relayAddresses,
      unverifiedAddresses: a.unverified,
      autonat: {
        lastConfirmed: autonat.lastSuccess == null ? null : { address: autonat.lastSuccess.address, at: iso(autonat.lastSuccess.at) },
        unconfirmed: a.unverified.length,
        lastFailure: autonat.lastFailure == null ? null : { addresses: autonat.lastFailure.addresses, at: iso(autonat.lastFailure.at) },
        peers: autonat.peers
      },
      settled: { verdict: settled.verdict ?? 'unknown', since: iso(settled.since) },
      upnp: this.init.upnp,
      reserving: this.reserving(),
      relayServer: {
        serving,
        reservations: this.relayServer?.reservations.size ?? 0,
        maxReservations: serving ? relayConfig?.maxReservations ?? 0 : 0,
        circuits: circuits.active(),
        maxCircuits: serving ? circuits.max : 0,
        refusedCircuits: circuits.refused
      }
    }
  }

  private readonly refresh = (): void => {
    if (!this.running) return
    this.state.noteAddresses(this.readAddresses())
    this.applying = this.applying.then(async () => this.apply()).catch(err => { this.log.error('could not follow reachability - %e', err) })
  }

  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    if (event.detail.protocols.includes(AUTONAT_PROTOCOL)) this.state.noteAutonatPeer(event.detail.peerId.toString())
  }

  private readAddresses (): AddressReading[] {
    return this.components.addressManager.getAddressesWithMetadata().map(a => ({
      address: a.multiaddr.toString(), verified: a.verified, type: a.type, expires: a.expires, lastVerified: a.lastVerified
    }))
  }

  /** What the settings and the settled verdict want now */
  wanted (): { reserve: boolean, serve: boolean } {
    const { verdict } = this.state.settled()
    return {
      reserve: follow(this.init.reserve, verdict === 'unreachable'),
      serve: follow(this.init.server, verdict === 'reachable')
    }
  }

  private async apply (): Promise<void> {
    if (!this.running) return
    const { reserve, serve } = this.wanted()
    if (reserve && !this.reserving()) await this.listenOnRelay()
    else if (!reserve && this.reserving()) await this.closeRelayListeners()
    else if (reserve && this.holdsRelayAddress()) this.restartWait()
    else if (reserve && this.asking == null && this.askDue()) this.asking = this.askAgain().finally(() => { this.asking = undefined })
    if (serve && this.relayServer == null) await this.startServing()
    else if (!serve && this.relayServer != null) await this.stopServing()
  }

  private async listenOnRelay (): Promise<void> {
    this.relayListeners = await this.listenOn(multiaddr(RESERVE_ON_A_RELAY))
    this.restartWait()
    this.log('unreachable: looking for a relay to reserve on')
  }

  /**
   * Listens on `addr`, and gives the listeners it made: through `made` too, since libp2p
   * keeps a listener whose listen failed (the caller must know it, to close it)
   */
  private async listenOn (addr: Multiaddr, made: (listeners: Listener[]) => void = () => {}): Promise<Listener[]> {
    const { transportManager } = this.components
    const before = new Set(transportManager.getListeners())
    const added = (): Listener[] => transportManager.getListeners().filter(l => !before.has(l))
    await transportManager.listen([addr]).finally(() => { made(added()) })
    return added()
  }

  private holdsRelayAddress (): boolean {
    return this.relayListeners.some(l => l.getAddrs().length > 0)
  }

  /**
   * The first wait again: on looking for a relay, and while a reservation is held (whoever
   * took it), so that once it is lost the relay transport's own search goes first
   */
  private restartWait (): void {
    this.lastReserveTry = this.clock()
    this.retryInterval = this.firstRetry
  }

  /** No relay address held, and the wait since the last try is over */
  private askDue (): boolean {
    return this.clock() - this.lastReserveTry >= this.retryInterval
  }

  /**
   * A reservation asked of a connected relay directly, through a listener of our own:
   * made at the first ask and listening again at the next (never closed to retry: closing
   * a relay listener clears every reservation of the relay transport, one being made by
   * its own search included). Never rejects.
   */
  private async askAgain (): Promise<void> {
    this.lastReserveTry = this.clock()
    try {
      const relay = await this.connectedRelay()
      if (relay == null) return
      this.retryInterval = Math.min(2 * this.retryInterval, MAX_RESERVE_RETRY_INTERVAL)
      if (this.askedListener != null) await this.askedListener.listen(relay)
      else await this.listenOn(relay, made => { this.asked(made) })
      this.restartWait()
      this.log('reserved on %a, asked again', relay)
    } catch (err: any) {
      this.log('no reservation asked again - %e', err)
    } finally {
      // the verdict may have changed meanwhile: the next apply closes what is no longer wanted
      this.refresh()
    }
  }

  /** The listener the first ask made (kept even when its listen failed): the one later asks listen on again */
  private asked (made: Listener[]): void {
    this.askedListener = made[0]
    this.relayListeners.push(...made)
  }

  /** `<address>/p2p/<relay>/p2p-circuit` of a relay connected directly, one of them at random */
  private async connectedRelay (): Promise<Multiaddr | undefined> {
    const { connectionManager, peerStore } = this.components
    const direct = connectionManager.getConnections().filter(c => c.limits == null && !c.remoteAddr.toString().includes('/p2p-circuit'))
    const start = Math.floor(Math.random() * direct.length)
    for (let i = 0; i < direct.length; i++) {
      const connection = direct[(start + i) % direct.length]
      const peer = await peerStore.get(connection.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(RELAY_V2_HOP_CODEC) !== true) continue
      const named = connection.remoteAddr.getComponents().some(c => c.name === 'p2p') ? connection.remoteAddr : connection.remoteAddr.encapsulate(`/p2p/${connection.remotePeer}`)
      return named.encapsulate('/p2p-circuit')
    }
    return undefined
  }

  /** Closing the listener drops our reservations and the relay addresses we announce */
  private async closeRelayListeners (): Promise<void> {
    const listeners = this.relayListeners
    this.relayListeners = []
    this.askedListener = undefined
    await Promise.all(listeners.map(async l => l.close()))
    this.log('reachable: released the relay reservation')
  }

  private async startServing (): Promise<void> {
    const server = circuitRelayServer(this.init.relayServer)(this.components) as RelayServer
    await server.start()
    this.relayServer = server
    this.log('serving as a relay')
  }

  private async stopServing (): Promise<void> {
    const server = this.relayServer
    this.relayServer = undefined
    await server?.stop()
    if (server != null) this.log('stopped serving as a relay')
  }
}

function follow (mode: RelayMode, auto: boolean): boolean {
  return mode === 'auto' ? auto : mode === 'on'
}

export function reachabilityController (init: ControllerInit): (components: ControllerComponents) => ReachabilityController {
  return components => new ReachabilityController(components, init)
}
