import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { createInternet, type Internet, netnsSkipReason } from './netns/index.js'
import { until } from './processes.js'

/** A TCP server on `ip`:`port` in the namespace that answers each connection with the address it came from */
const ECHO_PEER = `require('node:net').createServer(s => s.end(s.remoteAddress)).listen(Number(process.argv[2]), process.argv[1], () => console.log('up'))`
const CONNECT = `const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]); let t = ''; s.on('data', d => { t += d }); s.on('end', () => console.log(t)); s.on('error', e => { console.log('error ' + e.code); }); s.setTimeout(3000, () => { console.log('timeout'); s.destroy() })`

function nodeIn (ns: string, script: string, ...args: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, process.execPath, '-e', script, ...args]
}

describe('netns harness: a public segment and a home LAN behind NAT', function () {
  const skip = netnsSkipReason()
  this.timeout(30_000)
  let net: Internet

  before(function () {
    if (skip != null) {
      console.log(`      skipped: ${skip}`)
      this.skip()
    }
    net = createInternet('h')
  })
  after(() => { net?.destroy() })

  it('a home host dials out under the router\'s address; nobody outside dials in', async () => {
    const server = net.addPublicHost('server')
    const home = net.addHomeLan('home')
    const pc = home.addHost('pc')
    const [cmd, ...args] = nodeIn(server.name, ECHO_PEER, server.ip, '4000')
    const echo = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    echo.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    await until(() => out.includes('up'), 'the echo server')

    const [c, ...cArgs] = nodeIn(pc.name, CONNECT, server.ip, '4000')
    assert.equal(execFileSync(c, cArgs, { encoding: 'utf8' }).trim(), home.router.ip, 'the server sees the router\'s public address')

    const [c2, ...c2Args] = nodeIn(server.name, CONNECT, pc.ip, '4000')
    assert.match(execFileSync(c2, c2Args, { encoding: 'utf8' }).trim(), /^(error|timeout)/, 'a LAN address is not routed from outside')
    echo.kill()
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    assert.ok(net.namespaces.every(n => names.includes(n)))
    net.destroy()
    const after = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    assert.ok(!after.includes(`ps${process.pid}h-`), 'destroy removes every namespace')
  })
})
