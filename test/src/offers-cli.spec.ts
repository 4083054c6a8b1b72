/**
 * Offer metadata through the real program: a daemon with its defaults (no mDNS,
 * loopback), `share --category --thumbnail --tag`, the MIME type from the content,
 * thumbnails hidden from `ls` unless `--all`, a bad thumbnail or category refused with
 * nothing shared, and `rm` taking the thumbnail along.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { cli, cliJson, type DaemonProcess, jsonError, killChildrenAndRemove, startDaemon } from './processes.js'

/** A real PNG (8-bit RGB, a colour gradient), encoded by hand: no image library in this package */
function gradientPng (width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const frame = Buffer.alloc(8 + body.byteLength)
    frame.writeUInt32BE(data.byteLength, 0)
    body.copy(frame, 4)
    frame.writeUInt32BE(crc32(body), 4 + body.byteLength)
    return frame
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([x % 256, y % 256, (x + y) % 256], y * (width * 3 + 1) + 1 + x * 3)
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

describe('offer metadata end to end (real processes)', function () {
  this.timeout(120_000)
  let dir: string
  let daemon: DaemonProcess

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-offers-e2e-'))
    daemon = await startDaemon(join(dir, 'repo'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('share --category --thumbnail --tag; ls shows categories and hides thumbnails unless --all; rm takes the thumbnail along', async () => {
    await writeFile(join(dir, 'photo.bin'), gradientPng(640, 480))
    await writeFile(join(dir, 'cover.png'), gradientPng(200, 300))
    await writeFile(join(dir, 'talk.dat'), randomBytes(200_000))

    const photo = await cliJson(daemon, ['share', 'photo.bin'], dir)
    assert.equal(photo.mimeType, 'image/png')
    assert.equal(photo.category, 'image')
    assert.ok(typeof photo.thumbnail === 'string', 'an image gets a thumbnail')

    const human = await cli(['--repo', daemon.repo, 'share', 'talk.dat', '--category', 'VIDEO', '--thumbnail', 'cover.png', '--tag', 'talks'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^type {5}application\/octet-stream \(video\)$/m)
    const thumb = /^thumb {4}(\S+)$/m.exec(human.stdout)?.[1]
    assert.ok(thumb != null, human.stdout)

    const listed = await cliJson(daemon, ['ls'], dir)
    assert.deepEqual(listed.map((f: any) => [f.name, f.category, f.tags]).sort(), [['photo.bin', 'image', []], ['talk.dat', 'video', ['talks']]])
    const talk = listed.find((f: any) => f.name === 'talk.dat')
    assert.equal(talk.thumbnail, thumb)
    assert.ok(talk.modified > 0)
    const all = await cliJson(daemon, ['ls', '--all'], dir)
    assert.equal(all.length, 4)
    assert.deepEqual(all.filter((f: any) => f.thumbnailOf != null).map((f: any) => [f.fileId, f.mimeType]).sort(), [[photo.thumbnail, 'image/webp'], [thumb, 'image/webp']].sort())

    const table = await cli(['--repo', daemon.repo, 'ls'], dir)
    assert.equal(table.code, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.match(lines[0], /^FILE ID\s+SIZE {2}CATEGORY {2}NAME\s+TAGS$/)
    assert.equal(lines.length, 3)
    assert.ok(lines.some(line => /\svideo +talk\.dat +talks$/.test(line)), table.stdout)
    // the category column starts at the same place on every line
    const column = lines[0].indexOf('CATEGORY')
    for (const line of lines.slice(1)) assert.match(line.slice(column), /^(image|video) /)

    const removed = await cliJson(daemon, ['rm', talk.fileId], dir)
    assert.equal(removed.removed, talk.fileId)
    const after = await cliJson(daemon, ['ls', '--all'], dir)
    assert.deepEqual(after.map((f: any) => f.fileId).sort(), [photo.fileId, photo.thumbnail].sort())
  })

  it('a bad --thumbnail or --category is refused and shares nothing', async () => {
    await writeFile(join(dir, 'paper.txt'), 'a paper')
    await writeFile(join(dir, 'fake.png'), 'not an image at all')
    const before = await cliJson(daemon, ['ls', '--all'], dir)

    const badImage = await cli(['--repo', daemon.repo, '--json', 'share', 'paper.txt', '--thumbnail', 'fake.png'], dir)
    assert.equal(badImage.code, 1)
    assert.equal(jsonError(badImage).code, 'ERR_INVALID_THUMBNAIL')
    const missing = await cli(['--repo', daemon.repo, '--json', 'share', 'paper.txt', '--thumbnail', 'nowhere.png'], dir)
    assert.equal(missing.code, 1)
    assert.equal(jsonError(missing).code, 'ERR_PATH_NOT_FOUND')
    const badCategory = await cli(['--repo', daemon.repo, 'share', 'paper.txt', '--category', 'movies'], dir)
    assert.equal(badCategory.code, 2)
    assert.match(badCategory.stderr, /^peershare: .*video, audio, image, document, archive, software, other/)

    assert.deepEqual(await cliJson(daemon, ['ls', '--all'], dir), before)
  })
})
