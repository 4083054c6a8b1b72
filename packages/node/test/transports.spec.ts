import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { resolveConfig } from '../src/config.js'
import { withUdpPortsChosen } from '../src/swarm/listen-ports.js'
import type { PeershareNode } from '../src/index.js'
import { WS_MAX_MESSAGE_BYTES, WS_UPGRADE_LIMITS, browserAddresses } from '../src/transports/index.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'
import { webRTCDirectRun } from './webrtc-direct-run.js'

const PEER = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const RELAY = '12D3KooWSJYKJ6bthrAuFbMWD98y7H986Ph8KxWuTQqBa7NASyLe'
const CERTHASH = 'uEiA6DK7wyHRb1x27bnczdt4D016V_vhtV5Tut3yGGZXRJQ'

describe('transports: the WebRTC-direct certificate (real nodes on 127.0.0.1)', function () {
  this.timeout(60_000)
  let dir: TestDir
  before(async () => { dir = await tempDir() })
  after(async () => { await dir?.cleanup() })

  /** Runs a node on `repo` listening on WebRTC-direct only (in a child process: webrtc-direct-run.ts), and returns its certhash */
  const certhashOfRun = async (repo: string): Promise<string> => {
    const addresses = await webRTCDirectRun(repo)
    const hashes = addresses.map(a => /\/certhash\/([^/]+)/.exec(a)?.[1]).filter(h => h != null)
    assert.equal(hashes.length, 1, addresses.join(' '))
    return hashes[0]
  }
  const overwrite = async (repo: string, key: string): Promise<void> => {
    const datastore = new LevelDatastore(join(repo, 'datastore'))
    await datastore.open()
    await datastore.put(new Key(key), new TextEncoder().encode('not what was stored'))
    await datastore.close()
  }

  it('keeps it across restarts, and replaces a damaged certificate or key instead of failing to start', async () => {
    const repo = join(dir.path, 'cert')
    const first = await certhashOfRun(repo)
    assert.equal(await certhashOfRun(repo), first)

    await overwrite(repo, '/libp2p/webrtc-direct/certificate')
    const second = await certhashOfRun(repo)
    assert.notEqual(second, first)
    assert.equal(await certhashOfRun(repo), second, 'the new certificate is kept')

    await overwrite(repo, '/pkcs8/webrtc-direct-certificate-private-key')
    const third = await certhashOfRun(repo)
    assert.notEqual(third, second)
    assert.equal(await certhashOfRun(repo), third, 'the new key and certificate are kept')
  })
})

describe('transports: the WebSockets listen setting (wsPort)', () => {
  it('a WebRTC-direct address on port 0 gets a port free for UDP; other addresses stay as given', async () => {
    const listen = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/webrtc-direct', '/ip4/127.0.0.1/udp/4999/webrtc-direct']
    const chosen = await withUdpPortsChosen(listen)
    assert.equal(chosen[0], listen[0])
    assert.equal(chosen[2], listen[2])
    const port = Number(/\/udp\/(\d+)\/webrtc-direct$/.exec(chosen[1])?.[1])
    assert.ok(port > 0, chosen[1])
    // free for UDP: bindable now
    const socket = createSocket('udp4')
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind({ address: '127.0.0.1', port, exclusive: true }, resolve) })
    await new Promise<void>(resolve => { socket.close(() => { resolve() }) })
    // a host this machine does not have stays at port 0, for libp2p to refuse
    assert.deepEqual(await withUdpPortsChosen(['/ip4/192.0.2.1/udp/0/webrtc-direct']), ['/ip4/192.0.2.1/udp/0/webrtc-direct'])
  })

  it('listens on no WebSockets address by default', () => {
    const config = resolveConfig({ repo: '/r' })
    assert.equal(config.wsPort, null)
    assert.ok(!config.listen.some(a => a.includes('/ws')))
  })

  it('adds one /ws address per host of the TCP listen addresses', () => {
    const config = resolveConfig({ repo: '/r', wsPort: 4002, listen: ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4003', '/ip6/::/tcp/4001', '/ip4/0.0.0.0/udp/4001/webrtc-direct'] })
    assert.deepEqual(config.listen.filter(a => a.endsWith('/ws')), ['/ip4/0.0.0.0/tcp/4002/ws', '/ip6/::/tcp/4002/ws'])
    assert.equal(resolveConfig({ repo: '/r', wsPort: 0, listen: ['/ip4/127.0.0.1/tcp/0'] }).listen.at(-1), '/ip4/127.0.0.1/tcp/0/ws')
  })

  it('refuses a port that cannot work, with ConfigError', () => {
    for (const wsPort of [-1, 65536, 1.5, '4002' as unknown as number]) {
      assert.throws(() => resolveConfig({ repo: '/r', wsPort }), { name: 'ConfigError' }, String(wsPort))
    }
    // no TCP listener to share hosts with, or the TCP listener's own port
    assert.throws(() => resolveConfig({ repo: '/r', wsPort: 4002, listen: ['/ip4/0.0.0.0/udp/4001/webrtc-direct'] }), { name: 'ConfigError' })
    assert.throws(() => resolveConfig({ repo: '/r', wsPort: 4001 }), { name: 'ConfigError' })
  })
})

describe('transports: the addresses a browser can dial', () => {
  const classify = (addrs: string[]): unknown[] => browserAddresses(peerIdFromString(PEER), addrs.map(a => multiaddr(a))).addresses.map(a => [a.transport, a.scope, a.relayed])

  it('keeps WebRTC-direct with a certhash, ws and wss, with their scope; drops what a browser cannot dial', () => {
    assert.deepEqual(classify([
      `/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/${CERTHASH}/p2p/${PEER}`,
      `/ip4/192.168.1.5/tcp/4002/ws/p2p/${PEER}`,
      `/ip4/203.0.114.7/tcp/443/wss/p2p/${PEER}`,
      `/dns4/example.org/tcp/443/tls/sni/example.org/ws/p2p/${PEER}`,
      `/ip6/::1/tcp/4002/ws/p2p/${PEER}`,
      // a browser dials none of these: plain TCP, WebRTC-direct without its certhash, IPv6 link-local
      `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
      `/ip4/127.0.0.1/udp/4001/webrtc-direct/p2p/${PEER}`,
      `/ip6/fe80::1/tcp/4002/ws/p2p/${PEER}`
    ]), [
      ['webrtc-direct', 'loopback', false],
      ['ws', 'lan', false],
      ['wss', 'public', false],
      ['wss', 'public', false],
      ['ws', 'loopback', false]
    ])
  })

  it('keeps a relayed address when the relay is reached over ws or WebRTC-direct, by the relay\'s scope', () => {
    assert.deepEqual(classify([
      `/ip4/10.0.0.2/tcp/4002/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`,
      `/ip4/10.0.0.2/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`
    ]), [['ws', 'lan', true]])
  })
})

describe('transports: a WebSockets listener (real nodes on 127.0.0.1)', function () {
  this.timeout(60_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []
  let sharer: PeershareNode
  let wsAddress: string

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'), { wsPort: 0 })
    nodes.push(sharer)
    const found = sharer.addresses.map(String).find(a => a.includes('/ws/'))
    assert.ok(found != null, `a WebSockets address: ${sharer.addresses.join(' ')}`)
    wsAddress = found
  })
  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  const wsUrl = (): string => {
    const [ip, tcp] = multiaddr(wsAddress).getComponents()
    return `ws://${ip.value ?? ''}:${tcp.value ?? ''}`
  }
  /** Opens a raw WebSocket, sends one binary message of `size` bytes, resolves with the close code */
  const closeCodeAfter = async (size: number): Promise<number> => new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl())
    socket.binaryType = 'arraybuffer'
    socket.addEventListener('open', () => { socket.send(new Uint8Array(size)) })
    socket.addEventListener('close', evt => { resolve(evt.code) })
    socket.addEventListener('error', () => {})
    setTimeout(() => { reject(new Error('the listener never closed the socket')) }, 30_000).unref()
  })

  it('closes a connection whose WebSocket message is over the cap (1009), not one under it', async () => {
    assert.equal(await closeCodeAfter(WS_MAX_MESSAGE_BYTES + 1), 1009)
    // a message under the cap is read (and, not being multistream-select, refused otherwise)
    assert.notEqual(await closeCodeAfter(64 * 1024), 1009)
  })

  it('survives a malformed WebSocket frame: closes that socket (1002) and keeps listening', async () => {
    const [ip, tcp] = multiaddr(wsAddress).getComponents()
    const socket = connect(Number(tcp.value), ip.value)
    const received: Buffer[] = []
    socket.on('data', (part: Buffer) => { received.push(part) })
    socket.on('error', () => {})
    const closed = new Promise(resolve => socket.on('close', resolve))
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    await until(() => Buffer.concat(received).includes('\r\n\r\n'))
    assert.match(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 101 /)
    received.length = 0
    // FIN with RSV2 and RSV3 set (no extension allows them), binary, masked, empty
    socket.write(Buffer.from([0xf2, 0x80, 1, 2, 3, 4]))
    await closed
    const frame = Buffer.concat(received)
    assert.equal(frame[0], 0x88, 'a close frame')
    assert.equal(frame.readUInt16BE(2), 1002)
    // still listening (an unheard `error` used to end the process)
    assert.equal(await closeCodeAfter(WS_MAX_MESSAGE_BYTES + 1), 1009)
  })

  it('refuses an upgrade request with headers over its limit (431)', async () => {
    const [ip, tcp] = multiaddr(wsAddress).getComponents()
    const socket = connect(Number(tcp.value), ip.value)
    let answer = ''
    socket.setEncoding('utf8').on('data', (text: string) => { answer += text })
    const closed = new Promise(resolve => socket.on('close', resolve))
    socket.on('error', () => {})
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Big: ${'a'.repeat(WS_UPGRADE_LIMITS.maxHeaderSize * 2)}\r\n\r\n`)
    await closed
    assert.match(answer, /^HTTP\/1\.1 431 /)
  })

  it('carries a download whole over a WebSockets connection', async () => {
    const getter = await startTestNode(join(dir.path, 'getter'), { listen: [] })
    nodes.push(getter)
    const src = await randomFile(dir.path, 'ws.bin', 3 * 1024 * 1024 + 11)
    const { fileId } = await sharer.share(src)
    const out = join(dir.path, 'ws.out')
    await getter.get(fileId, { from: multiaddr(wsAddress), output: out })
    assert.equal(await sha256File(out), await sha256File(src))
    const conns = getter.libp2p.getConnections(sharer.peerId)
    assert.ok(conns.length > 0 && conns.every(c => c.remoteAddr.toString().includes('/ws')), `over WebSockets: ${conns.map(c => c.remoteAddr.toString()).join(' ')}`)
  })
})
