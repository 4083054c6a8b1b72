/**
 * A fake UPnP home router (IGD v2) for the NAT tests, run as its own process in a router
 * namespace: `node fake-igd.js <lan ip> <wan ip> <wan link>`. It answers SSDP searches on
 * the LAN side (239.255.255.250:1900), serves a device description, and the SOAP
 * actions @achingbrain/nat-port-mapper sends (GetExternalIPAddress, AddAnyPortMapping,
 * DeletePortMapping). A mapping really forwards: an iptables DNAT rule on the router.
 * Every action is printed to stdout as one JSON line, for the test to read.
 */
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

const SSDP_GROUP = '239.255.255.250'
const SSDP_PORT = 1900
const HTTP_PORT = 5000
const IGD = 'urn:schemas-upnp-org:device:InternetGatewayDevice:2'
const WAN_IP_CONNECTION = 'urn:schemas-upnp-org:service:WANIPConnection:2'
const UUID = 'uuid:2f4c3e4a-0000-4000-8000-peershare0001'
/** a SOAP request is a few hundred bytes */
const MAX_BODY = 16 * 1024

const [lanIp, wanIp, wanLink] = process.argv.slice(2)
if (lanIp == null || wanIp == null || wanLink == null) throw new Error('usage: fake-igd <lan ip> <wan ip> <wan link>')

function report (event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

const description = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>${IGD}</deviceType>
    <friendlyName>peershare test router</friendlyName>
    <UDN>${UUID}</UDN>
    <deviceList><device>
      <deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType>
      <UDN>${UUID}-wan</UDN>
      <deviceList><device>
        <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:2</deviceType>
        <UDN>${UUID}-conn</UDN>
        <serviceList><service>
          <serviceType>${WAN_IP_CONNECTION}</serviceType>
          <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
          <controlURL>/ctl/IPConn</controlURL>
          <eventSubURL>/evt/IPConn</eventSubURL>
          <SCPDURL>/WANIPCn.xml</SCPDURL>
        </service></serviceList>
      </device></deviceList>
    </device></deviceList>
  </device>
</root>`

function soapResponse (action: string, body: string): string {
  return `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
  <s:Body><u:${action}Response xmlns:u="${WAN_IP_CONNECTION}">${body}</u:${action}Response></s:Body>
</s:Envelope>`
}

function arg (body: string, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? ''
}

/** The DNAT rule that makes a mapping real: `-A` adds it, `-D` deletes it */
function forward (op: '-A' | '-D', protocol: string, externalPort: string, client: string, internalPort: string): void {
  execFileSync('iptables', ['-t', 'nat', op, 'PREROUTING', '-i', wanLink, '-p', protocol.toLowerCase(), '--dport', externalPort,
    '-j', 'DNAT', '--to-destination', `${client}:${internalPort}`])
}

const mappings = new Map<string, { client: string, internalPort: string }>()

function act (action: string, body: string): string {
  if (action === 'GetExternalIPAddress') {
    report({ action })
    return `<NewExternalIPAddress>${wanIp}</NewExternalIPAddress>`
  }
  if (action === 'AddAnyPortMapping' || action === 'AddPortMapping') {
    const protocol = arg(body, 'NewProtocol')
    const externalPort = arg(body, 'NewExternalPort')
    const internalPort = arg(body, 'NewInternalPort')
    const client = arg(body, 'NewInternalClient')
    const key = `${protocol}-${externalPort}`
    const old = mappings.get(key)
    if (old != null) forward('-D', protocol, externalPort, old.client, old.internalPort)
    forward('-A', protocol, externalPort, client, internalPort)
    mappings.set(key, { client, internalPort })
    report({ action, protocol, externalPort: Number(externalPort), internalPort: Number(internalPort), internalClient: client, description: arg(body, 'NewPortMappingDescription') })
    return action === 'AddAnyPortMapping' ? `<NewReservedPort>${externalPort}</NewReservedPort>` : ''
  }
  if (action === 'DeletePortMapping') {
    const externalPort = arg(body, 'NewExternalPort')
    for (const [key, m] of mappings) {
      const [protocol, port] = key.split('-')
      if (port !== externalPort) continue
      forward('-D', protocol, port, m.client, m.internalPort)
      mappings.delete(key)
    }
    report({ action, externalPort: Number(externalPort) })
    return ''
  }
  throw new Error(`unsupported action ${action}`)
}

async function readBody (req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const part of req) {
    body += String(part)
    if (body.length > MAX_BODY) throw new Error('request too large')
  }
  return body
}

async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/rootDesc.xml') {
    res.writeHead(200, { 'content-type': 'text/xml' }).end(description)
    return
  }
  if (req.method === 'POST' && req.url === '/ctl/IPConn') {
    const action = String(req.headers.soapaction ?? '').replace(/"/g, '').split('#')[1] ?? ''
    try {
      const out = act(action, await readBody(req))
      res.writeHead(200, { 'content-type': 'text/xml' }).end(soapResponse(action, out))
    } catch (err) {
      report({ action, error: (err as Error).message })
      res.writeHead(500, { 'content-type': 'text/xml' }).end(soapResponse(action, ''))
    }
    return
  }
  res.writeHead(404).end()
}

const http = createServer((req, res) => { void handle(req, res) })
const ssdp = createSocket({ type: 'udp4', reuseAddr: true })
ssdp.on('message', (message, remote) => {
  const text = message.toString('utf8')
  if (!text.startsWith('M-SEARCH')) return
  const st = /^ST:\s*(.+)$/im.exec(text)?.[1]?.trim() ?? ''
  if (![IGD, WAN_IP_CONNECTION, 'ssdp:all', 'upnp:rootdevice'].includes(st)) return
  report({ action: 'M-SEARCH', st, from: remote.address })
  const reply = ['HTTP/1.1 200 OK', 'CACHE-CONTROL: max-age=120', 'EXT:', `LOCATION: http://${lanIp}:${HTTP_PORT}/rootDesc.xml`,
    'SERVER: Linux UPnP/1.1 peershare-test/1', `ST: ${st}`, `USN: ${UUID}::${st}`, '', ''].join('\r\n')
  ssdp.send(reply, remote.port, remote.address)
})
http.listen(HTTP_PORT, lanIp, () => {
  ssdp.bind(SSDP_PORT, () => {
    ssdp.addMembership(SSDP_GROUP, lanIp)
    report({ event: 'ready' })
  })
})
process.on('SIGTERM', () => process.exit(0))
