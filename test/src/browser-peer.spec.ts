/**
 * The browser peer in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core), against two real daemons with their defaults (only --no-mdns and
 * loopback listen addresses: TCP and WebRTC-direct) sharing the same 16 MiB file. The
 * page the daemon serves at /peer/ downloads it from both at once over WebRTC-direct;
 * the file saved from the page has the original's SHA-256, and both daemons delivered
 * verified chunks. Loaded again, the page resumes from its browser storage. A text
 * file comes compressed on the wire and is inflated in the page (the browser platform).
 * A daemon that listens on WebSockets (opt-in) serves the page over them. A file
 * picked in the page is shared from it, and a daemon downloads it from the page.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type Page, chromium } from 'playwright-core'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon } from './processes.js'

const CHROMIUM = '/usr/bin/chromium'
const FILE_SIZE = 16 * 1024 * 1024
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/udp/0/webrtc-direct']

describe('browser peer in headless Chromium (real daemons, WebRTC-direct)', function () {
  this.timeout(300_000)
  let dir: string
  const daemons: DaemonProcess[] = []
  let browser: Browser
  let page: Page
  let fileId: string
  let original: string

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`)
      this.skip()
    }
    dir = await mkdtemp(join(tmpdir(), 'peershare-browser-peer-'))
    const path = join(dir, 'shared-by-both.bin')
    await writeFile(path, randomBytes(FILE_SIZE))
    original = await sha256File(path)
    for (const name of ['one', 'two']) {
      const daemon = await startDaemon(join(dir, name), dir, LOOPBACK)
      daemons.push(daemon)
      const shared = await cliJson(daemon, ['share', path], dir)
      assert.ok(fileId == null || shared.fileId === fileId, 'the same bytes give the same file id')
      fileId = shared.fileId
    }
    // --no-sandbox: the sandbox cannot start as root; the background networking flags keep Chromium off the internet
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
    page = await (await browser.newContext({ acceptDownloads: true })).newPage()
  })

  after(async () => {
    await browser?.close()
    await killChildrenAndRemove(dir)
  })

  function webrtcDirect (d: DaemonProcess): string {
    const address = d.info.addresses.find((a: string) => a.includes('/webrtc-direct/certhash/'))
    assert.ok(address != null, `the daemon listens on WebRTC-direct: ${d.info.addresses.join(' ')}`)
    return address
  }

  async function downloadInPage (id = fileId, from = daemons): Promise<void> {
    await page.goto(`${daemons[0].info.api}/peer/`)
    await page.fill('#sources', from.map(webrtcDirect).join('\n'))
    await page.fill('#file-id', id)
    await page.click('#start')
    await page.locator('#done').waitFor({ timeout: 120_000 })
  }

  /** Bytes each source delivered, as the page shows them */
  async function perSource (): Promise<Record<string, number>> {
    const rows = await page.locator('#per-source tbody tr').evaluateAll(trs => trs.map(tr => [(tr as HTMLElement).dataset.peer, tr.querySelector('.bytes')?.textContent]))
    return Object.fromEntries(rows.map(([peer, bytes]) => [peer, Number(bytes)]))
  }

  it('serves the page at /peer/ with a CSP that allows only its own scripts', async () => {
    const res = await fetch(`${daemons[0].info.api}/peer/`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    assert.match(await res.text(), /<script type="module" src="peer.js">/)
  })

  it('downloads a 16 MiB file from two daemons at once over WebRTC-direct; the saved file matches', async () => {
    await downloadInPage()
    assert.equal(await page.textContent('#sha256'), original)
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#save')])
    assert.equal(saved.suggestedFilename(), 'shared-by-both.bin')
    assert.equal(await sha256File(await saved.path()), original)
    const bySource = await perSource()
    for (const d of daemons) assert.ok(bySource[d.info.peerId] > 0, `daemon ${d.info.peerId} delivered chunks: ${JSON.stringify(bySource)}`)
    assert.equal(Object.values(bySource).reduce((a, b) => a + b, 0), FILE_SIZE)
  })

  it('loaded again, resumes from browser storage: every chunk verified there, none fetched', async () => {
    await downloadInPage()
    assert.match(await page.textContent('#status') ?? '', /16\.0 MiB resumed from storage/)
    assert.equal(await page.textContent('#sha256'), original)
    assert.deepEqual(await perSource(), {})
  })

  it('inflates chunks a daemon sent compressed, and verifies them', async () => {
    const path = join(dir, 'server.log')
    const lines = Array.from({ length: 60_000 }, (_, i) => `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}Z GET /files/${i % 977} 200 ${i * 7 % 10_000} bytes\n`)
    await writeFile(path, lines.join(''))
    const { fileId: textId } = await cliJson(daemons[0], ['share', path], dir)
    await downloadInPage(textId, [daemons[0]])
    assert.equal(await page.textContent('#sha256'), await sha256File(path))
    const size = (await readFile(path)).byteLength
    const wire = Number(await page.textContent('#wire-bytes'))
    assert.ok(wire > 0 && wire < size / 2, `${wire} bytes on the wire for ${size}`)
  })

  it('downloads over WebSockets from a daemon that listens on them (--ws-port)', async () => {
    const wsDaemon = await startDaemon(join(dir, 'ws'), dir, [...LOOPBACK, '--ws-port', '0'])
    const path = join(dir, 'over-websockets.bin')
    await writeFile(path, randomBytes(3 * 1024 * 1024 + 5))
    const { fileId: wsId } = await cliJson(wsDaemon, ['share', path], dir)
    const ws = wsDaemon.info.addresses.find((a: string) => a.includes('/ws/'))
    assert.ok(ws != null, `the daemon listens on WebSockets: ${wsDaemon.info.addresses.join(' ')}`)
    // a context of its own: nothing stored from the other tests
    const wsPage = await (await browser.newContext()).newPage()
    await wsPage.goto(`${wsDaemon.info.api}/peer/`)
    await wsPage.fill('#sources', ws)
    await wsPage.fill('#file-id', wsId)
    await wsPage.click('#start')
    await wsPage.locator('#done').waitFor({ timeout: 120_000 })
    assert.equal(await wsPage.textContent('#sha256'), await sha256File(path))
    await wsPage.context().close()
  })

  it('shares a file picked in the page; a daemon downloads it from the page', async () => {
    await page.goto(`${daemons[1].info.api}/peer/`)
    await page.fill('#sources', webrtcDirect(daemons[1]))
    const bytes = randomBytes(3 * 1024 * 1024 + 123)
    await page.setInputFiles('#share-file', { name: 'from-the-page.bin', mimeType: 'application/octet-stream', buffer: bytes })
    await page.click('#share')
    await page.locator('#shared').waitFor({ timeout: 60_000 })
    const id = await page.textContent('#shared-id') ?? ''
    const from = await page.textContent('#page-peer') ?? ''
    const out = join(dir, 'from-the-page.out')
    const result = await cli(['--repo', daemons[1].repo, 'get', id, '--peer', from, '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await sha256File(out), createHash('sha256').update(bytes).digest('hex'))
  })
})
