/**
 * What the web UI's daemon refuses, in headless Chromium (webui-browser.ts) against a
 * real daemon with its defaults: a request from another origin (a page on another port,
 * with the cookie) and one without the cookie; an upload over config maxUploadBytes and
 * a JSON body over 64 KiB; an upload onto a full disk (a small tmpfs, root only),
 * leaving no staging file.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises'
import { type Server, createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { cliJson, type DaemonProcess, killChildrenAndRemove, startDaemon } from './processes.js'
import { Dialogs, launchChromium, loginUrl, run } from './webui-browser.js'

describe('web UI: what the daemon refuses (headless Chromium, a real daemon)', function () {
  this.timeout(300_000)
  let dir: string
  let sharer: DaemonProcess
  let browser: Browser
  let sharerPage: Page
  const shown = new Dialogs()
  const dialogs = shown.unexpected

  before(async function () {
    const launched = await launchChromium()
    if (launched == null) this.skip()
    browser = launched
    dir = await mkdtemp(join(tmpdir(), 'peershare-webui-refusals-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    sharerPage = await shown.openPage(await browser.newContext())
    // logged in: the page holds the session's cookie, which another origin's page sends too
    await sharerPage.goto(await loginUrl(sharer, dir))
    await sharerPage.locator('nav').waitFor()
  })

  after(async () => {
    await browser?.close()
    await killChildrenAndRemove(dir)
  })

  it('refuses a request from another origin (even with the cookie) and one without the cookie', async () => {
    const before = await cliJson(sharer, ['limits'], dir)
    // a page of another origin on the same host: the browser sends the cookie (same site), the daemon refuses by Origin
    const attacker = await serveAttackerPage(sharer.info.api)
    try {
      const { port } = attacker.address() as { port: number }
      await sharerPage.goto(`http://127.0.0.1:${port}/`)
      const status = await sharerPage.evaluate(async api => {
        const answer = await fetch(`${api}/v1/limits`, { method: 'POST', credentials: 'include', body: '{"download":"1KB/s"}' }).catch(() => undefined)
        await fetch(`${api}/v1/limits`, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"download":"1KB/s"}' })
        return answer?.status ?? 'blocked'
      }, sharer.info.api)
      // without CORS headers the page cannot read the answer either
      assert.equal(status, 'blocked')
    } finally {
      attacker.close()
    }
    assert.deepEqual(await cliJson(sharer, ['limits'], dir), before)

    const cookies = await sharerPage.context().cookies(sharer.info.api)
    const cookie = cookies.map(c => `${c.name}=${c.value}`).join('; ')
    const foreign = await fetch(`${sharer.info.api}/v1/limits`, { method: 'POST', headers: { cookie, origin: 'http://evil.example' }, body: '{"download":"1KB/s"}' })
    assert.equal(foreign.status, 403)
    assert.equal(foreign.headers.get('access-control-allow-origin'), null)
    const noOrigin = await fetch(`${sharer.info.api}/v1/limits`, { method: 'POST', headers: { cookie }, body: '{"download":"1KB/s"}' })
    assert.equal(noOrigin.status, 403)
    const noCookie = await fetch(`${sharer.info.api}/v1/files`, { headers: { origin: sharer.info.api } })
    assert.equal(noCookie.status, 401)
    const withCookie = await fetch(`${sharer.info.api}/v1/files`, { headers: { cookie } })
    assert.equal(withCookie.status, 200)
    assert.deepEqual(await cliJson(sharer, ['limits'], dir), before)
    assert.deepEqual(dialogs, [])
  })

  it('refuses an upload larger than config maxUploadBytes before storing it, and a JSON body over 64 KiB', async () => {
    const cookies = await sharerPage.context().cookies(sharer.info.api)
    const cookie = cookies.map(c => `${c.name}=${c.value}`).join('; ')
    const { port } = new URL(sharer.info.api)
    const status = await new Promise<number | undefined>((resolve, reject) => {
      // declares 5 GiB (the default limit is 4 GiB) and sends none of it: the answer comes first
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/upload?name=big.bin', headers: { cookie, origin: sharer.info.api, 'content-length': String(5 * 1024 ** 3) } }, res => {
        resolve(res.statusCode)
        req.destroy()
      })
      req.on('error', reject)
      req.flushHeaders()
    })
    assert.equal(status, 413)
    const names = (await cliJson(sharer, ['ls'], dir)).map((f: any) => f.name)
    assert.ok(!names.includes('big.bin'))
    // a JSON body over 64 KiB is too large in the same words (it was ERR_BAD_REQUEST)
    const big = await fetch(`${sharer.info.api}/v1/limits`, { method: 'POST', headers: { cookie, origin: sharer.info.api }, body: JSON.stringify({ download: 'x'.repeat(70 * 1024) }) })
    assert.equal(big.status, 413)
    assert.equal((await big.json()).error.code, 'ERR_TOO_LARGE')
  })

  it('a full disk fails an upload with ERR_DISK_FULL and leaves no staging file', async function () {
    // the repo of a third daemon on a small tmpfs (root only; skipped elsewhere)
    const small = join(dir, 'small')
    await mkdir(small)
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', small])
    if (!mounted) {
      console.log('    skipped: cannot mount a tmpfs here (needs root)')
      this.skip()
    }
    try {
      const daemon = await startDaemon(join(small, 'repo'), dir)
      const { token } = JSON.parse(await readFile(join(daemon.repo, 'api.json'), 'utf8'))
      const res = await fetch(`${daemon.info.api}/v1/upload?name=too-big.bin`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: randomBytes(24 * 1024 * 1024) })
      assert.equal(res.status, 507)
      assert.equal((await res.json()).error.code, 'ERR_DISK_FULL')
      assert.deepEqual(await readdir(join(daemon.repo, 'uploads')), [])
      daemon.child.kill('SIGKILL')
      await daemon.exited
    } finally {
      await run('umount', ['-l', small])
    }
  })
})

/** A page of another origin (another port of 127.0.0.1) that tries to change the daemon's settings */
async function serveAttackerPage (api: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(`<!doctype html><title>elsewhere</title><p>another origin than ${api}</p>`)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}
