/**
 * Checks, before libp2p starts, that the fixed ports the node listens on are free
 * (TCP, WebRTC-direct's UDP, and WebSockets', whose addresses `wsPort` added to the list).
 * libp2p would fail with a long message (and node-datachannel print its own native
 * log lines for a busy WebRTC-direct UDP port); this says in one line which port is
 * taken and how to pick others. A WebRTC-direct address on port 0 gets a UDP port
 * chosen here (`withUdpPortsChosen`).
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { PortInUseError } from '../errors.js'

interface FixedPort {
  addr: string
  host: string
  port: number
  protocol: 'tcp' | 'udp'
  family: 4 | 6
}

/**
 * Throws PortInUseError for the first listen address whose port another program
 * holds; `configFile` is where the user can set other ports for good
 */
export async function checkListenPorts (listen: string[], configFile: string): Promise<void> {
  for (const fixed of listen.map(fixedPort)) {
    if (fixed == null) continue
    const code = await tryBind(fixed)
    if (code === 'EADDRINUSE') throw new PortInUseError(inUseMessage(fixed, await nextFreePort(fixed, listen), listen, configFile))
  }
}

/** The host and port an address binds, when it names a fixed TCP or UDP port on an IP */
function fixedPort (text: string): FixedPort | undefined {
  let addr: Multiaddr
  try {
    addr = multiaddr(text)
  } catch {
    return undefined
  }
  const [ip, transport] = addr.getComponents()
  if ((ip?.name !== 'ip4' && ip?.name !== 'ip6') || ip.value == null) return undefined
  if ((transport?.name !== 'tcp' && transport?.name !== 'udp') || transport.value == null) return undefined
  const port = Number(transport.value)
  if (!(port > 0)) return undefined
  return { addr: text, host: ip.value, port, protocol: transport.name, family: ip.name === 'ip4' ? 4 : 6 }
}

/** Binds the port exclusively and releases it; returns the error code, if any */
async function tryBind ({ host, port, protocol, family }: FixedPort): Promise<string | undefined> {
  const fail = (err: NodeJS.ErrnoException): string => err.code ?? 'ERROR'
  if (protocol === 'udp') return bindUdp(host, port, family).then(() => undefined, fail)
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', (err) => { resolve(fail(err)) })
    server.listen({ host, port, exclusive: true }, () => { server.close(() => { resolve(undefined) }) })
  })
}

/** How far past a busy port the example looks for a free one */
const PORTS_TRIED = 100

/**
 * The first port after the busy one that every listen address on the busy port could
 * bind now (its TCP and its UDP one alike), for the example: the next port is often the
 * next daemon's (4101, 4102, 4103...); the busy one's next if none is
 */
async function nextFreePort (busy: FixedPort, listen: string[]): Promise<number> {
  const sharing = listen.map(fixedPort).filter((f): f is FixedPort => f != null && f.port === busy.port)
  for (let port = busy.port + 1; port <= Math.min(busy.port + PORTS_TRIED, 65535); port++) {
    // one after another: `/ip6/::` and `/ip4/0.0.0.0` on one port would collide with each other if bound at once
    let free = true
    for (const f of sharing) if (await tryBind({ ...f, port }) != null) { free = false; break }
    if (free) return port
  }
  return busy.port < 65535 ? busy.port + 1 : busy.port - 1
}

/** The first TCP port after `port` on `host` that is free now: for the message of a busy control API port */
export async function freeTcpPortAfter (host: string, port: number): Promise<number> {
  const addr = `/ip4/${host}/tcp/${port}`
  return nextFreePort({ addr, host, port, protocol: 'tcp', family: 4 }, [addr])
}

/** One line: the busy port, and the same listen list (or WebSockets port) moved to a free port as an example */
function inUseMessage (busy: FixedPort, free: number, listen: string[], configFile: string): string {
  // WebSockets addresses come from `wsPort` (transports/), not from the listen list
  if (busy.addr.endsWith('/ws')) {
    return `Port ${busy.port}/tcp of ${busy.addr} (WebSockets) is in use (another peershare daemon?): ` +
      `pick another, e.g. --ws-port ${free}, or set "wsPort" in ${configFile}`
  }
  const moved = listen.filter(a => !a.endsWith('/ws')).map(a => a.replace(new RegExp(`/(tcp|udp)/${busy.port}(?=/|$)`), `/$1/${free}`))
  return `Port ${busy.port}/${busy.protocol} of ${busy.addr} is in use (another peershare daemon?): ` +
    `pick other ports, e.g. ${moved.map(a => `--listen ${a}`).join(' ')}, or set "listen" in ${configFile}`
}

/**
 * The listen list with each WebRTC-direct address on UDP port 0 given a port the kernel
 * says is free for UDP now. Left at 0, @libp2p/webrtc asks get-port, which checks TCP
 * only: a port some program held for UDP (a browser's ICE sockets) failed the node's
 * start with "Failed to register ICE UDP mux listener" (seen in a CI run with headless
 * Chromium beside the daemons).
 */
export async function withUdpPortsChosen (listen: string[]): Promise<string[]> {
  const chosen: string[] = []
  for (const addr of listen) {
    const match = /^\/(ip4|ip6)\/([^/]+)\/udp\/0\/webrtc-direct$/.exec(addr)
    if (match == null) {
      chosen.push(addr)
      continue
    }
    // a host this machine cannot bind stays as given: libp2p says what is wrong with it
    const port = await bindUdp(match[2], 0, match[1] === 'ip4' ? 4 : 6).catch(() => 0)
    chosen.push(`/${match[1]}/${match[2]}/udp/${port}/webrtc-direct`)
  }
  return chosen
}

/** Binds a UDP port on `host` exclusively and releases it; resolves with the port bound (the kernel's pick for 0) */
async function bindUdp (host: string, port: number, family: 4 | 6): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6')
    socket.once('error', (err) => { socket.close(); reject(err) })
    socket.bind({ address: host, port, exclusive: true }, () => {
      const bound = socket.address().port
      socket.close(() => { resolve(bound) })
    })
  })
}
