/**
 * A small internet in network namespaces: a public segment (a bridge in its own
 * namespace), hosts on it, and home LANs each behind a router namespace that NATs
 * with iptables MASQUERADE. Every command is `ip`/`iptables` run synchronously, so
 * teardown also works from a process 'exit' handler.
 */
import { execFileSync } from 'node:child_process'

/** Where the public segment lives: see PUBLIC_PREFIX in index.ts for why not a documentation range */
const PUBLIC_BRIDGE = 'br0'
const LAN_BRIDGE = 'lan0'
const WAN_LINK = 'wan0'

export interface Namespace {
  /** the `ip netns` name */
  name: string
  /** its address on its segment */
  ip: string
  /** `ip netns exec <name>` prefix for spawning a program inside it */
  exec: (program: string, ...args: string[]) => string[]
}

export interface HomeLan {
  router: Namespace & {
    /** the router's address on its LAN, the hosts' default gateway */
    lanIp: string
  }
  /** a host on this LAN, behind the router's NAT */
  addHost: (label: string) => Namespace
}

export interface InternetInit {
  /** first three octets of the public /24 */
  publicPrefix: string
  /** prepended to every namespace name, unique per test process */
  tag: string
}

function run (args: string[]): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function ipIn (ns: string, ...args: string[]): void {
  run(['ip', '-n', ns, ...args])
}

export class Internet {
  readonly namespaces: string[] = []
  private readonly wan: string
  private nextPublic = 2
  private nextLan = 1
  private nextWanPort = 0

  constructor (private readonly init: InternetInit) {
    this.wan = `${init.tag}-wan`
  }

  /** Makes the public segment (apart from the constructor, so a failure here still leaves `destroy()` a list) */
  open (): this {
    this.addNamespace('wan')
    ipIn(this.wan, 'link', 'add', PUBLIC_BRIDGE, 'type', 'bridge')
    ipIn(this.wan, 'link', 'set', PUBLIC_BRIDGE, 'up')
    return this
  }

  /** A host with an address on the public segment */
  addPublicHost (label: string): Namespace {
    const ns = this.addNamespace(label)
    const ip = this.publicIp()
    this.plugIntoWan(ns, 'eth0', ip)
    return namespace(ns, ip)
  }

  /** A LAN `192.168.<n>.0/24` behind a router whose WAN side has an address on the public segment */
  addHomeLan (label: string): HomeLan {
    const router = this.addNamespace(label)
    const wanIp = this.publicIp()
    const subnet = `192.168.${this.nextLan++}`
    const lanIp = `${subnet}.1`
    this.plugIntoWan(router, WAN_LINK, wanIp)
    ipIn(router, 'link', 'add', LAN_BRIDGE, 'type', 'bridge')
    ipIn(router, 'addr', 'add', `${lanIp}/24`, 'dev', LAN_BRIDGE)
    ipIn(router, 'link', 'set', LAN_BRIDGE, 'up')
    run(['ip', 'netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
    // the home router: everything leaving by the WAN side takes the router's address
    run(['ip', 'netns', 'exec', router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', WAN_LINK, '-j', 'MASQUERADE'])
    let nextHost = 2
    const addHost = (hostLabel: string): Namespace => {
      const ns = this.addNamespace(hostLabel)
      const ip = `${subnet}.${nextHost++}`
      const port = `h${nextHost}`
      ipIn(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', router)
      ipIn(router, 'link', 'set', port, 'master', LAN_BRIDGE, 'up')
      ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0')
      ipIn(ns, 'link', 'set', 'eth0', 'up')
      // the default route also carries multicast (SSDP) to the router's LAN side
      ipIn(ns, 'route', 'add', 'default', 'via', lanIp)
      return namespace(ns, ip)
    }
    return { router: { ...namespace(router, wanIp), lanIp }, addHost }
  }

  /** Kills what still runs in our namespaces, then deletes them; safe to call twice */
  destroy (): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      killProcessesIn(ns)
      try { run(['ip', 'netns', 'del', ns]) } catch {}
    }
  }

  private addNamespace (label: string): string {
    const name = `${this.init.tag}-${label}`
    run(['ip', 'netns', 'add', name])
    this.namespaces.push(name)
    ipIn(name, 'link', 'set', 'lo', 'up')
    return name
  }

  private publicIp (): string {
    if (this.nextPublic > 254) throw new Error('the public segment is full')
    return `${this.init.publicPrefix}.${this.nextPublic++}`
  }

  /** A veth from `ns` (named `link` there) to the public bridge, with address `ip` */
  private plugIntoWan (ns: string, link: string, ip: string): void {
    const port = `p${this.nextWanPort++}`
    ipIn(ns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', port, 'netns', this.wan)
    ipIn(this.wan, 'link', 'set', port, 'master', PUBLIC_BRIDGE, 'up')
    ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', link)
    ipIn(ns, 'link', 'set', link, 'up')
  }
}

function namespace (name: string, ip: string): Namespace {
  return { name, ip, exec: (program, ...args) => ['ip', 'netns', 'exec', name, program, ...args] }
}

/** A namespace with processes in it outlives `ip netns del`: end ours (only in namespaces this run made) */
function killProcessesIn (ns: string): void {
  let pids: string[] = []
  try { pids = run(['ip', 'netns', 'pids', ns]).split('\n').filter(p => p.trim() !== '') } catch {}
  for (const pid of pids) {
    try { process.kill(Number(pid), 'SIGKILL') } catch {}
  }
}
