/**
 * The browser peer's verification against a peer that lies, in headless Chromium
 * (Debian's /usr/bin/chromium through playwright-core): a real libp2p peer in this
 * process offers the genuine manifest over WebRTC-direct (or WebSockets) and then
 * sends every chunk corrupted. The page (packages/browser/dist, served from 127.0.0.1 so OPFS is
 * available) rejects its chunks and bans it; with an honest node beside it, the page
 * completes the exact file from the honest one. Lives here, not in test/, because the
 * lying peer is built from this package's framing and codecs.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Libp2p } from '@libp2p/interface'
import { chunkLength, chunkOffset } from '@peershare/protocol'
import { type Browser, type Page, chromium } from 'playwright-core'
import type { PeershareNode } from '../src/index.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir } from './fixtures.js'
import { startLyingPeer } from './lying-peer.js'

const CHROMIUM = '/usr/bin/chromium'
const MiB = 1024 * 1024
const PAGE_FILES: Record<string, string> = { '/': 'peer.html', '/peer.js': 'peer.js', '/peer.css': 'peer.css' }

describe('browser peer: chunks that fail verification (headless Chromium, WebRTC-direct and WebSockets)', function () {
  this.timeout(180_000)
  let dir: TestDir
  let honest: PeershareNode
  let liar: Libp2p
  let wsLiar: Libp2p
  let server: Server
  let browser: Browser
  let page: Page
  let fileId: string
  let original: string

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`)
      this.skip()
    }
    dir = await tempDir()
    honest = await startTestNode(join(dir.path, 'honest'), { listen: ['/ip4/127.0.0.1/udp/0/webrtc-direct'] })
    const src = await randomFile(dir.path, 'lied-about.bin', 8 * MiB)
    original = await sha256File(src)
    fileId = (await honest.share(src)).fileId
    const stored = (await honest.store.get(fileId))!
    const bytes = await readFile(src)
    const chunks = stored.manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(stored.manifest, i), chunkOffset(stored.manifest, i) + chunkLength(stored.manifest, i)))
    liar = await startLyingPeer(stored, chunks, { kind: 'corrupt-all' }, 'webrtc-direct')
    wsLiar = await startLyingPeer(stored, chunks, { kind: 'corrupt-all' }, 'websockets')
    server = await servePage()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
    page = await browser.newPage()
  })

  after(async () => {
    await browser?.close()
    server?.close()
    await liar?.stop()
    await wsLiar?.stop()
    await honest?.stop()
    await dir?.cleanup()
  })

  function webrtcDirect (addrs: Array<{ toString(): string }>): string {
    const addr = addrs.map(a => a.toString()).find(a => a.includes('/webrtc-direct/certhash/'))
    assert.ok(addr != null, 'listens on WebRTC-direct')
    return addr
  }

  async function start (sources: string[]): Promise<void> {
    const { port } = server.address() as { port: number }
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.fill('#sources', sources.join('\n'))
    await page.fill('#file-id', fileId)
    await page.click('#start')
  }

  for (const [transport, lying] of [['WebRTC-direct', () => liar], ['WebSockets', () => wsLiar]] as const) {
    it(`bans a source whose every chunk fails verification (${transport}); with only it, the download fails and stores nothing`, async () => {
      const address = lying().getMultiaddrs().map(a => a.toString()).find(a => transport === 'WebSockets' ? a.includes('/ws/') : a.includes('/certhash/'))
      assert.ok(address != null)
      await start([address])
      await page.locator('#status.error').waitFor({ timeout: 60_000 })
      const text = await page.textContent('#status') ?? ''
      assert.match(text, /all sources banned/)
      assert.ok(text.includes(lying().peerId.toString()), text)
      assert.equal(await page.locator('#per-source tbody tr').count(), 0)
    })
  }

  it('completes the exact file from an honest source beside the liar; the liar delivered nothing', async () => {
    await start([webrtcDirect(liar.getMultiaddrs()), webrtcDirect(honest.addresses)])
    await page.locator('#done').waitFor({ timeout: 120_000 })
    assert.equal(await page.textContent('#sha256'), original)
    const peers = await page.locator('#per-source tbody tr').evaluateAll(rows => rows.map(r => (r as HTMLElement).dataset.peer))
    assert.deepEqual(peers, [honest.peerId.toString()])
  })
})

/** Serves the bundled page (packages/browser/dist) on 127.0.0.1, a secure context for OPFS */
async function servePage (): Promise<Server> {
  const dist = join(dirname(fileURLToPath(import.meta.resolve('@peershare/browser/package.json'))), 'dist')
  const server = createServer((req, res) => {
    const name = PAGE_FILES[new URL(req.url ?? '/', 'http://127.0.0.1').pathname]
    if (name == null) {
      res.writeHead(404).end()
      return
    }
    const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'text/html'
    readFile(join(dist, name)).then(body => res.writeHead(200, { 'content-type': type }).end(body), () => res.writeHead(404).end())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}
