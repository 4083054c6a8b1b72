import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { lazyUpgrades, lazyUpgradesApplied, proposal } from '../src/transports/index.js'
import { REFUSAL_TTL_MS, Refusals } from '../src/transports/lazy-upgrade.js'
import { sha256OfArrival } from './fixtures.js'
import { RefusingListener, TcpRelay } from './tcp-relays.js'

type Node = Awaited<ReturnType<typeof createLibp2p>>

const ECHO_PROTOCOL = '/test/echo/1'

async function plainNode (listen: string[] = []): Promise<Node> {
  return createLibp2p({ addresses: { listen }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

/** Sends `data` on a new echo stream of `node` to `addr` and resolves with the SHA-256 of what came back */
async function echoed (node: Node, addr: Parameters<Node['dialProtocol']>[0], data: Uint8Array): Promise<string> {
  const stream = await node.dialProtocol(addr, ECHO_PROTOCOL)
  const back = sha256OfArrival(stream, data.byteLength)
  stream.send(data)
  const hash = await back
  await stream.close()
  return hash
}

/**
 * A TCP relay between a dialler and a listener that holds the listener's bytes back:
 * all of them until the dialler sent more than `held` bytes (the proposal), then only
 * the noise handshake's answer (the echo, then one length-prefixed message) until
 * `release()`. A dialler that waited for the echo would never get past it.
 */
class HoldingRelay {
  /** bytes from the dialler when the first listener bytes were let through */
  dialerBytesAtFirstRelease = -1
  dialerBytes = 0
  private released = false
  private release_: (() => void) | undefined
  private readonly relay: TcpRelay

  constructor (target: number, held: number, echo: Uint8Array) {
    this.relay = new TcpRelay(target, (client, upstream) => {
      let pending = Buffer.alloc(0)
      // how many listener bytes may pass now: none, then the echo and the handshake answer
      let allowed = 0
      const pump = (): void => {
        if (this.released) allowed = Number.POSITIVE_INFINITY
        else if (allowed === 0 && this.dialerBytes > held && pending.byteLength >= echo.byteLength + 2) {
          allowed = echo.byteLength + 2 + pending.readUInt16BE(echo.byteLength)
          this.dialerBytesAtFirstRelease = this.dialerBytes
        }
        const n = Math.min(allowed, pending.byteLength)
        if (n === 0) return
        client.write(pending.subarray(0, n))
        pending = pending.subarray(n)
        allowed -= n
      }
      this.release_ = pump
      client.on('data', (buf) => { this.dialerBytes += buf.byteLength; upstream.write(buf); pump() })
      upstream.on('data', (buf) => { pending = Buffer.concat([pending, buf]); pump() })
    })
  }

  async listen (): Promise<number> {
    return this.relay.listen()
  }

  release (): void {
    this.released = true
    this.release_?.()
  }

  close (): void {
    this.relay.close()
  }
}

describe('lazy connection upgrades: noise proposed without waiting for its echo (real TCP on 127.0.0.1)', function () {
  this.timeout(60_000)
  let listener: Node
  let dialer: Node

  before(async () => {
    listener = await plainNode(['/ip4/127.0.0.1/tcp/0'])
    await listener.handle(ECHO_PROTOCOL, (stream) => {
      stream.addEventListener('message', (evt) => { stream.send(evt.data) })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    })
    dialer = await plainNode()
    assert.equal(lazyUpgrades((dialer as unknown as { components: { upgrader: unknown } }).components.upgrader), true)
  })

  after(async () => {
    await dialer?.stop()
    await listener?.stop()
  })

  it('writes multistream-select\'s proposal as the library does', () => {
    const bytes = proposal('/noise')
    assert.deepEqual([...bytes], [19, ...Buffer.from('/multistream/1.0.0\n'), 7, ...Buffer.from('/noise\n')])
  })

  it('starts the handshake behind the proposal, with a listener that knows nothing of it', async () => {
    const noiseProposal = proposal('/noise')
    const port = Number(/\/tcp\/(\d+)/.exec(listener.getMultiaddrs()[0].toString())?.[1])
    const relay = new HoldingRelay(port, noiseProposal.byteLength, noiseProposal)
    try {
      const relayPort = await relay.listen()
      const addr = multiaddr(`/ip4/127.0.0.1/tcp/${relayPort}/p2p/${listener.peerId.toString()}`)
      // the handshake completes on the echo and the listener's answer alone (the muxer is agreed inside it)
      const connection = await dialer.dial(addr, { signal: AbortSignal.timeout(30_000) })
      assert.ok(relay.dialerBytesAtFirstRelease > noiseProposal.byteLength, 'the first handshake message went out before the echo came')
      assert.equal(connection.status, 'open')
      relay.release()
      const data = randomBytes(256 * 1024)
      assert.equal(await echoed(dialer, addr, data), createHash('sha256').update(data).digest('hex'))
      assert.equal(lazyUpgradesApplied(), true)
    } finally {
      relay.close()
      await dialer.hangUp(listener.peerId).catch(() => {})
    }
  })

  it('a listener that answers na to noise fails the dial at once with that refusal, it does not hang', async () => {
    const refuser = new RefusingListener()
    try {
      const port = await refuser.listen()
      await assert.rejects(dialer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`), { signal: AbortSignal.timeout(30_000) }),
        (err: Error) => err.name === 'EncryptionFailedError' && /did not accept \/noise/.test(err.message))
    } finally {
      refuser.close()
    }
  })
})

describe('encrypter refusals remembered', () => {
  it('by peer id or address, for REFUSAL_TTL_MS, the oldest forgotten past the limit', () => {
    let now = 1_000_000
    const refusals = new Refusals(() => now, 2)
    refusals.add(['peer-a', '/ip4/10.0.0.1/tcp/1'], '/tls/1.0.0')
    assert.ok(refusals.has(['peer-a'], '/tls/1.0.0'))
    assert.ok(refusals.has(['/ip4/10.0.0.1/tcp/1'], '/tls/1.0.0'), 'a dial by address alone')
    assert.ok(!refusals.has(['peer-a'], '/noise'), 'another encrypter')
    // a peer upgraded since, or another node at the address: proposed TLS again once the refusal is old
    now += REFUSAL_TTL_MS - 1
    assert.ok(refusals.has(['peer-a'], '/tls/1.0.0'))
    now += 1
    assert.ok(!refusals.has(['peer-a'], '/tls/1.0.0'))
    assert.ok(!refusals.has(['/ip4/10.0.0.1/tcp/1'], '/tls/1.0.0'))
    // refused again: remembered again; a third remote pushes the oldest out
    refusals.add(['peer-a'], '/tls/1.0.0')
    refusals.add(['peer-b'], '/tls/1.0.0')
    refusals.add(['peer-c'], '/tls/1.0.0')
    assert.ok(!refusals.has(['peer-a'], '/tls/1.0.0'))
    assert.ok(refusals.has(['peer-b'], '/tls/1.0.0') && refusals.has(['peer-c'], '/tls/1.0.0'))
  })
})
