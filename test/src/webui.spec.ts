/**
 * The web UI in headless Chromium (webui-browser.ts) against two real daemons with their
 * defaults (only --no-mdns and a loopback listen address), connected: log in with the
 * URL `peershare webui` prints; share files by upload (picker and drop) with an image's
 * thumbnail shown, a renamed upload said; find one from the second daemon's UI by
 * search; download it there with progress shown, paused and resumed; a name and a
 * description with `<script>` shown as text with no dialog; ticket (and its Copy) and
 * remove; peers and contacts; the Status page (peer id, reachability, live counts);
 * logout. What the daemon refuses (other origins, no cookie, too large, a full disk) is
 * webui-refusals.spec. Screenshots of the main pages go to test-output/screenshots/ (gitignored).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { cliJson, type DaemonProcess, killChildrenAndRemove, startDaemon, tcpAddress, until } from './processes.js'
import { Dialogs, SCREENSHOTS, launchChromium, loginUrl as loginUrlOf } from './webui-browser.js'

const SCRIPT_NAME = '<script>alert(1)</script>.txt'
const SCRIPT_TEXT = '<script>alert(2)</script><img src=x onerror=alert(3)>'
/** Large enough that, under the download limit the test sets, a pause lands mid-download */
const FILE_SIZE = 6 * 1024 * 1024

describe('web UI in headless Chromium (real daemons)', function () {
  this.timeout(300_000)
  let dir: string
  let sharer: DaemonProcess
  let finder: DaemonProcess
  let browser: Browser
  let sharerPage: Page
  let finderPage: Page
  const shown = new Dialogs()
  const { unexpected: dialogs, confirms } = shown
  const openPage = async (context: BrowserContext): Promise<Page> => shown.openPage(context)
  const loginUrl = async (d: DaemonProcess): Promise<string> => loginUrlOf(d, dir)
  let sharedId: string
  let pngId: string

  before(async function () {
    const launched = await launchChromium()
    if (launched == null) this.skip()
    browser = launched
    await mkdir(SCREENSHOTS, { recursive: true })
    dir = await mkdtemp(join(tmpdir(), 'peershare-webui-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    finder = await startDaemon(join(dir, 'finder'), dir)
    await cliJson(finder, ['swarm', 'connect', tcpAddress(sharer)], dir)
    sharerPage = await openPage(await browser.newContext())
    finderPage = await openPage(await browser.newContext())
  })

  after(async () => {
    await browser?.close()
    await killChildrenAndRemove(dir)
  })

  async function shot (page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  }

  it('logs in with the one-time URL `peershare webui` prints; the URL works once', async () => {
    const url = await loginUrl(sharer)
    assert.match(url, new RegExp(`^${sharer.info.api}/webui/login\\?token=[\\w-]{43}$`))
    await sharerPage.goto(url)
    await sharerPage.locator('nav').waitFor()
    assert.equal(new URL(sharerPage.url()).pathname, '/')
    const [cookie] = await sharerPage.context().cookies()
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Strict')
    const again = await fetch(url, { redirect: 'manual' })
    assert.equal(again.status, 401)
    // a page that says what to do, not the API's JSON error
    assert.match(again.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(await again.text(), /used up or expired.*peershare webui/s)
    // a browser without the session gets the page, which only says how to log in
    const stranger = await openPage(await browser.newContext())
    await stranger.goto(`${sharer.info.api}/`)
    await stranger.locator('.logged-out', { hasText: 'peershare webui' }).waitFor()
    assert.equal(await stranger.locator('nav').count(), 0)
    await shot(stranger, 'logged-out')
    await stranger.context().close()
    await finderPage.goto(await loginUrl(finder))
    await finderPage.locator('nav').waitFor()
  })

  it('shares a file by upload with tags and a description; peer text renders as text', async () => {
    await sharerPage.goto(`${sharer.info.api}/#/files`)
    await sharerPage.setInputFiles('input[type=file]', [
      { name: 'webui-holiday-film.bin', mimeType: 'application/octet-stream', buffer: randomBytes(FILE_SIZE) },
      { name: 'webui-sunset.png', mimeType: 'image/png', buffer: gradientPng(64) }
    ])
    await sharerPage.fill('input[name=tags]', 'webui, summer')
    await sharerPage.fill('input[name=description]', 'a film for the web UI test')
    await sharerPage.click('form.share button[type=submit]')
    await sharerPage.locator('p.shared', { hasText: 'webui-holiday-film.bin' }).waitFor()
    const row = sharerPage.locator('tr.file', { hasText: 'webui-holiday-film.bin' })
    await row.waitFor()
    sharedId = await row.getAttribute('data-file-id') ?? ''
    assert.match(await row.textContent() ?? '', /webui, summer/)
    assert.match(await sharerPage.locator('p.shared .ticket input').first().inputValue(), /^peershare1/)
    // an image gets a thumbnail made by the node, shown from the daemon
    const image = sharerPage.locator('tr.file', { hasText: 'webui-sunset.png' })
    pngId = await image.getAttribute('data-file-id') ?? ''
    await sharerPage.waitForFunction(id => ((document.querySelector(`tr.file[data-file-id="${id}"] img.thumb`) as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, pngId)

    // this one dropped on the page, as a file dragged from the desktop
    await sharerPage.evaluate(name => {
      const files = new DataTransfer()
      files.items.add(new File(['not a script'], name, { type: 'text/plain' }))
      document.querySelector('label.drop')?.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }))
    }, SCRIPT_NAME)
    await sharerPage.locator('label.drop', { hasText: SCRIPT_NAME }).waitFor()
    await sharerPage.fill('input[name=description]', SCRIPT_TEXT)
    await sharerPage.click('form.share button[type=submit]')
    const scripted = sharerPage.locator('tr.file', { hasText: 'alert(1)' })
    await scripted.waitFor()
    // the node sanitises names (no < > / in a file name); the description is free text, shown as it is
    assert.equal(await scripted.locator('a.name').textContent(), '_script_alert(1)__script_.txt')
    assert.equal(await scripted.locator('.description').textContent(), SCRIPT_TEXT)
    assert.equal(await sharerPage.locator('img[src=x]').count(), 0)
    assert.deepEqual(dialogs, [])
    await shot(sharerPage, 'files')

    // its own offer in its own search: nothing to download (a download of it found no other provider and stalled for good)
    await sharerPage.goto(`${sharer.info.api}/#/search`)
    await sharerPage.fill('input[name=text]', 'holiday film')
    await sharerPage.click('form.search button[type=submit]')
    const own = sharerPage.locator(`tr.hit[data-content-id="${sharedId}"]`)
    await own.locator('.own', { hasText: 'Shared by this node' }).waitFor()
    assert.equal(await own.locator('button.download').count(), 0)
  })

  it('finds the file from the second daemon\'s UI by search, then shows its page', async () => {
    await finderPage.goto(`${finder.info.api}/#/search`)
    // every field has a name a screen reader says; a size that is not a number is said, not dropped
    for (const label of ['Search words', 'Category', 'Order', 'Smallest size in MiB', 'Largest size in MiB']) await finderPage.getByLabel(label).waitFor()
    await finderPage.fill('input[name=min]', 'abc')
    await finderPage.click('form.search button[type=submit]')
    await finderPage.locator('p.status', { hasText: '"abc" is not a size in MiB' }).waitFor()
    await finderPage.fill('input[name=min]', '')
    await finderPage.fill('input[name=text]', 'holiday film')
    const hit = finderPage.locator(`tr.hit[data-content-id="${sharedId}"]`)
    // offers travel by gossip: search again until the offer has arrived
    for (let round = 0; !(await hit.isVisible()); round++) {
      assert.ok(round < 120, 'the offer reached the finder')
      await finderPage.click('form.search button[type=submit]')
      await finderPage.locator('p.status', { hasText: 'found' }).waitFor()
      await hit.waitFor({ timeout: 500 }).catch(() => {})
    }
    assert.match(await hit.textContent() ?? '', /a film for the web UI test/)
    await shot(finderPage, 'search')

    await finderPage.fill('input[name=text]', 'alert')
    await finderPage.click('form.search button[type=submit]')
    const scripted = finderPage.locator('tr.hit', { hasText: 'alert(1)' })
    for (let round = 0; !(await scripted.isVisible()); round++) {
      assert.ok(round < 120, 'the second offer reached the finder')
      await finderPage.click('form.search button[type=submit]')
      await scripted.waitFor({ timeout: 500 }).catch(() => {})
    }
    assert.equal(await scripted.locator('.description').textContent(), SCRIPT_TEXT)
    assert.deepEqual(dialogs, [])

    // an id nobody offers: the error, and no "Loading…" below it for good
    await finderPage.goto(`${finder.info.api}/#/offer/nonsense`)
    await finderPage.locator('section .error', { hasText: 'ERR_' }).waitFor()
    // its replicas part ends too (not on this node): then nothing on the page is still loading
    await finderPage.locator('section p', { hasText: 'Not on this node' }).waitFor()
    assert.equal(await finderPage.locator('section p', { hasText: 'Loading…' }).count(), 0)
    // a malformed id in the address bar is taken as typed, not a frozen page
    await finderPage.goto(`${finder.info.api}/#/offer/%E0%A4%A`)
    await finderPage.locator('section .error', { hasText: 'ERR_' }).waitFor()

    await finderPage.goto(`${finder.info.api}/#/offer/${sharedId}`)
    await finderPage.locator('.offer h3.name', { hasText: 'webui-holiday-film.bin' }).waitFor()
    assert.match(await finderPage.locator('.offer').textContent() ?? '', new RegExp(sharer.info.peerId))
    await finderPage.locator('section p', { hasText: 'Not on this node' }).waitFor()
    await shot(finderPage, 'offer')
    // a file's page fetches the thumbnail from the sharer; search results show it once it is here
    await finderPage.goto(`${finder.info.api}/#/offer/${pngId}`)
    await finderPage.waitForFunction(() => ((document.querySelector('.offer img.thumb') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0)
  })

  it('downloads it with live progress, paused and resumed, under a download limit set in Settings', async () => {
    await finderPage.goto(`${finder.info.api}/#/settings`)
    await finderPage.fill('input[name=download]', '1MiB/s')
    await finderPage.click('form.limits button[type=submit]')
    await finderPage.locator('form.limits', { hasText: 'Download (now 1 MiB/s)' }).waitFor()
    await shot(finderPage, 'settings')

    await finderPage.goto(`${finder.info.api}/#/search`)
    await finderPage.fill('input[name=text]', 'holiday film')
    await finderPage.click('form.search button[type=submit]')
    await finderPage.click(`tr.hit[data-content-id="${sharedId}"] button.download`)
    // once started the row links to Transfers, not a button left saying "Downloading"
    await finderPage.locator(`tr.hit[data-content-id="${sharedId}"] a.download-started[href="#/transfers"]`).waitFor()

    await finderPage.goto(`${finder.info.api}/#/transfers`)
    const row = finderPage.locator(`tr.transfer[data-file-id="${sharedId}"]`)
    // progress arrives over the event stream: wait until some bytes show
    await finderPage.waitForFunction(id => {
      const percent = document.querySelector(`tr.transfer[data-file-id="${id}"] .percent`)?.textContent ?? '0%'
      return Number.parseInt(percent, 10) > 0
    }, sharedId)
    await shot(finderPage, 'transfers')
    await row.locator('button.pause').click()
    await finderPage.locator(`tr.transfer[data-file-id="${sharedId}"][data-state="paused"]`).waitFor()
    const paused = await cliJson(finder, ['transfers'], dir)
    assert.equal(paused.find((t: any) => t.fileId === sharedId)?.state, 'paused')

    // the answer to resume is held until the download completed, as a busy machine may: the
    // page must keep the `completed` its events brought, not go back to the answer's `running`
    let answerHeld = false
    await finderPage.route('**/v1/transfers/*/resume', async route => {
      const answer = await route.fetch()
      await finderPage.locator(`tr.transfer[data-file-id="${sharedId}"][data-state="completed"]`).waitFor({ timeout: 120_000 })
      answerHeld = true
      await route.fulfill({ response: answer })
    })
    await row.locator('button.resume').click()
    await cliJson(finder, ['limits', '--download', '0'], dir)
    await until(() => answerHeld, 'the held answer to resume given', 120_000)
    // the row is busy until the page has taken the answer
    await finderPage.locator(`tr.transfer[data-file-id="${sharedId}"]:not([aria-busy])`).waitFor()
    assert.equal(await row.getAttribute('data-state'), 'completed', 'the answer did not take the row back')
    await finderPage.unroute('**/v1/transfers/*/resume')
    assert.equal(await row.locator('.percent').textContent(), '100%')

    const files = await cliJson(finder, ['ls'], dir)
    const theirs = await cliJson(sharer, ['ls'], dir)
    const sha = (list: any[]): string => list.find(f => f.fileId === sharedId)?.sha256
    assert.equal(sha(files), sha(theirs))
    await finderPage.goto(`${finder.info.api}/#/files`)
    await finderPage.locator(`tr.file[data-file-id="${sharedId}"]`).waitFor()
    await finderPage.goto(`${finder.info.api}/#/offer/${sharedId}`)
    await finderPage.locator('section p', { hasText: 'Kept on this node only' }).waitFor()
    // found again and asked for again: the node keeps it, so the row says so, not "Downloading"
    await finderPage.goto(`${finder.info.api}/#/search`)
    await finderPage.fill('input[name=text]', 'holiday film')
    await finderPage.click('form.search button[type=submit]')
    await finderPage.click(`tr.hit[data-content-id="${sharedId}"] button.download`)
    await finderPage.locator(`tr.hit[data-content-id="${sharedId}"] a.download-kept[href="#/files"]`).waitFor()
  })

  it('gives a ticket for a file and removes one; the list follows', async () => {
    await sharerPage.goto(`${sharer.info.api}/#/files`)
    const scripted = sharerPage.locator('tr.file', { hasText: 'alert(1)' })
    await scripted.locator('button', { hasText: 'Ticket' }).click()
    assert.match(await scripted.locator('.ticket input').inputValue(), /^peershare1/)
    await scripted.locator('button', { hasText: 'Remove' }).click()
    await scripted.waitFor({ state: 'detached' })
    const names = (await cliJson(sharer, ['ls'], dir)).map((f: any) => f.name)
    assert.ok(!names.includes('_script_alert(1)__script_.txt'))
    assert.ok(names.includes('webui-holiday-film.bin'))
    assert.deepEqual(dialogs, [])
  })

  it('an upload whose name the daemon changes says so: shared under the new name, uploaded as the old', async () => {
    await sharerPage.goto(`${sharer.info.api}/#/files`)
    await sharerPage.setInputFiles('input[type=file]', [{ name: '.notes: v2?.txt', mimeType: 'text/plain', buffer: Buffer.from('renamed upload') }])
    await sharerPage.click('form.share button[type=submit]')
    const said = sharerPage.locator('p.shared', { hasText: 'notes_ v2_.txt' })
    await said.waitFor()
    assert.equal(await said.locator('.renamed q').textContent(), '.notes: v2?.txt')
    // a name kept as it is says nothing more
    await sharerPage.setInputFiles('input[type=file]', [{ name: 'webui-plain-name.txt', mimeType: 'text/plain', buffer: Buffer.from('kept name') }])
    await sharerPage.click('form.share button[type=submit]')
    await sharerPage.locator('p.shared', { hasText: 'webui-plain-name.txt' }).waitFor()
    assert.equal(await sharerPage.locator('p.shared .renamed').count(), 0)
  })

  it('shows a folder shared from the command line at once (the files event), with its ticket', async () => {
    await sharerPage.goto(`${sharer.info.api}/#/files`)
    await sharerPage.locator('tr.file').first().waitFor()
    const folder = join(dir, 'webui-photos')
    await mkdir(folder)
    await writeFile(join(folder, 'a.txt'), 'a')
    await writeFile(join(folder, 'b.txt'), 'b')
    const shared = await cliJson(sharer, ['share', folder], dir)
    // no reload: the page hears of it over the event stream
    const row = sharerPage.locator(`tr.collection[data-collection-id="${shared.collectionId}"]`)
    await row.waitFor()
    assert.match(await row.textContent() ?? '', /webui-photos/)
    await row.locator('button', { hasText: 'Ticket' }).click()
    const ticket = await row.locator('.ticket input').inputValue()
    assert.match(ticket, /^peershare1/)
    // Copy puts it on the clipboard, says "Copied", then is "Copy" again for the next one
    await sharerPage.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sharer.info.api })
    await row.locator('.ticket button', { hasText: 'Copy' }).click()
    await row.locator('.ticket button', { hasText: 'Copied' }).waitFor()
    assert.equal(await sharerPage.evaluate(async () => navigator.clipboard.readText()), ticket)
    await row.locator('.ticket button', { hasText: /^Copy$/ }).waitFor()
  })

  it('shows peers and contacts', async () => {
    await finderPage.goto(`${finder.info.api}/#/peers`)
    await finderPage.locator('table.peers', { hasText: sharer.info.peerId }).waitFor()
    await shot(finderPage, 'peers')
    await finderPage.goto(`${finder.info.api}/#/contacts`)
    await finderPage.fill('input[name=peerId]', sharer.info.peerId)
    await finderPage.fill('input[name=name]', '<b>alice</b>')
    await finderPage.click('form button[type=submit]')
    await finderPage.locator('table.contacts td', { hasText: '<b>alice</b>' }).waitFor()
    await shot(finderPage, 'contacts')
    // Remove asks first (the handler above accepts), then the row goes
    await finderPage.locator('table.contacts button', { hasText: 'Remove' }).click()
    await finderPage.locator('table.contacts td', { hasText: '<b>alice</b>' }).waitFor({ state: 'detached' })
    assert.ok(confirms.includes('Remove contact <b>alice</b>?'), confirms.join(', '))
    assert.deepEqual(await cliJson(finder, ['contacts', 'ls'], dir), { contacts: [] })
  })

  it('shows this node\'s status: peer id and reachability as `status` reports them, refreshed while visible', async () => {
    const status = await cliJson(sharer, ['status'], dir)
    await sharerPage.goto(`${sharer.info.api}/#/status`)
    await sharerPage.locator('.status-page code.peer-id', { hasText: sharer.info.peerId }).waitFor()
    const state = sharerPage.locator('.status-page p.reachability')
    assert.equal(await state.getAttribute('data-reachability'), status.reachability.reachability)
    assert.equal(await sharerPage.locator('.status-page p.why').textContent(), status.reachability.reason)
    assert.ok(['confirmed', 'failed', 'none'].includes(await sharerPage.locator('.autonat-last span').getAttribute('data-result') ?? ''))
    assert.match(await sharerPage.locator('.status-page p.relay-server').textContent() ?? '', /^(off|on: \d+\/\d+ reservations)/)
    assert.match(await sharerPage.locator('tr[data-dht=lan] .routing-table').textContent() ?? '', /^\d+ peer\(s\)$/)
    await shot(sharerPage, 'status')

    // a third daemon connects: the open page shows the new connection count without being reloaded
    const before = Number(await sharerPage.locator('[data-field=connections]').textContent())
    const third = await startDaemon(join(dir, 'third'), dir)
    try {
      await cliJson(third, ['swarm', 'connect', tcpAddress(sharer)], dir)
      await sharerPage.waitForFunction(n => Number(document.querySelector('[data-field=connections]')?.textContent) > n, before)
    } finally {
      third.child.kill('SIGKILL')
      await third.exited
    }
    assert.deepEqual(dialogs, [])
  })

  it('logs out: the session ends in the daemon and its other tabs\' event streams end; the page says how to log in again', async () => {
    const cookies = await finderPage.context().cookies(finder.info.api)
    const cookie = cookies.map(c => `${c.name}=${c.value}`).join('; ')
    // another tab of the same session, following the events (it heard of files after the logout)
    const otherTab = await fetch(`${finder.info.api}/v1/events`, { headers: { cookie } })
    assert.equal(otherTab.status, 200)
    const events = otherTab.body?.getReader()
    await events?.read()
    await finderPage.click('header button.logout')
    await finderPage.locator('.logged-out').waitFor()
    assert.deepEqual(await finderPage.context().cookies(finder.info.api), [])
    // a browser still holding the ended session's cookie is told so; the command shows as code, not between backticks
    const stale = await browser.newContext()
    await stale.addCookies(cookies)
    const stalePage = await openPage(stale)
    await stalePage.goto(`${finder.info.api}/`)
    await stalePage.locator('.logged-out .error code', { hasText: 'peershare webui' }).waitFor()
    assert.match(await stalePage.locator('.logged-out .error').textContent() ?? '', /web UI session has ended/)
    assert.doesNotMatch(await stalePage.locator('.logged-out').textContent() ?? '', /`/)
    await stale.close()
    // its stream ends (read until it does: events written before the logout may come first)
    for (let part = await events?.read().catch(() => ({ done: true })); part?.done !== true; part = await events?.read().catch(() => ({ done: true }))) {}
    const replayed = await fetch(`${finder.info.api}/v1/files`, { headers: { cookie } })
    assert.equal(replayed.status, 401)
    // said as a session that ended, not an API token the browser never had
    assert.match((await replayed.json()).error.message, /web UI session has ended/)
  })
})

/** A small RGB PNG (a gradient), written by hand: deflated rows, a CRC-32 per chunk */
function gradientPng (size: number): Buffer {
  const rows: Buffer[] = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3)
    for (let x = 0; x < size; x++) row.set([x * 4, y * 4, 160], 1 + x * 3)
    rows.push(row)
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const framed = Buffer.alloc(body.length + 8)
    framed.writeUInt32BE(data.length, 0)
    body.copy(framed, 4)
    framed.writeUInt32BE(crc32(body), body.length + 4)
    return framed
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}
