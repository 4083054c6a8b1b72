/**
 * Compression on the wire through the real program: daemons with their defaults send a
 * log file compressed (the sharer's `status` counts the wire bytes), and a daemon started
 * with `--no-compression` gets the same bytes raw.
 */
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon, tcpAddress } from './processes.js'

describe('compression on the wire (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let source: DaemonProcess
  let getter: DaemonProcess
  let plain: DaemonProcess
  let log: string
  let fileId: string

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const get = async (d: DaemonProcess, out: string): Promise<void> => {
    const result = await cli(['--repo', d.repo, 'get', fileId, '--peer', tcpAddress(source), '-o', out], dir)
    assert.equal(result.code, 0, result.stderr)
  }
  const wire = async (): Promise<{ contentBytes: number, wireBytes: number, compressedChunks: number }> => (await json(source, ['status'])).exchange.wire

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-compression-e2e-'))
    ;[source, getter, plain] = await Promise.all([
      startDaemon(join(dir, 'source'), dir),
      startDaemon(join(dir, 'getter'), dir),
      startDaemon(join(dir, 'plain'), dir, ['--no-compression'])
    ])
    log = join(dir, 'app.log')
    const lines = Array.from({ length: 60_000 }, (_, i) => `2026-11-30 12:00:${String(i % 60).padStart(2, '0')} INFO job ${i} finished in ${i % 113} ms\n`)
    await writeFile(log, lines.join(''))
    fileId = (await json(source, ['share', log])).fileId
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('sends a log file compressed between daemons with their defaults', async () => {
    const before = await wire()
    const out = join(dir, 'got.log')
    await get(getter, out)
    assert.equal(await sha256File(out), await sha256File(log))
    const after = await wire()
    const content = after.contentBytes - before.contentBytes
    assert.ok(after.compressedChunks > before.compressedChunks, 'chunks went compressed')
    assert.ok(after.wireBytes - before.wireBytes < content / 2, `${after.wireBytes - before.wireBytes} bytes on the wire for ${content}`)
  })

  it('sends it raw to a daemon started with --no-compression', async () => {
    const before = await wire()
    const out = join(dir, 'plain.log')
    await get(plain, out)
    assert.equal(await sha256File(out), await sha256File(log))
    const after = await wire()
    assert.equal(after.compressedChunks, before.compressedChunks)
    assert.equal(after.wireBytes - before.wireBytes, after.contentBytes - before.contentBytes)
    assert.ok(after.contentBytes > before.contentBytes)
  })
})
