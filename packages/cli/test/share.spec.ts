import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { share } from '../src/commands/share.js'
import { FILE, TICKET, capture, fakeClient } from './fakes.js'

describe('share command', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-cli-share-'))
    await writeFile(join(dir, 'report.pdf'), 'hello')
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('sends the absolute path, tags and description; prints file id, name, size and sha256', async () => {
    const client = fakeClient()
    const out = capture()
    await share({ path: 'report.pdf', tags: ['work', 'q3'], description: 'the report' }, { client, print: out.print, cwd: dir })
    assert.deepEqual(client.calls, [{ method: 'share', request: { path: join(dir, 'report.pdf'), tags: ['work', 'q3'], description: 'the report' } }])
    assert.deepEqual(out.lines, [
      `file id  ${FILE.fileId}`,
      'name     report.pdf',
      `size     3.0 MiB (${FILE.size} bytes)`,
      'type     application/pdf (document)',
      `sha256   ${FILE.sha256}`,
      `ticket   ${TICKET}`
    ])
  })

  it('--copy asks for a private copy; a file served in place says where from', async () => {
    const client = fakeClient()
    const calls: unknown[] = []
    client.share = async (request) => { calls.push(request); return { ...FILE, path: join(dir, 'report.pdf'), ticket: TICKET } }
    const out = capture()
    await share({ path: 'report.pdf', copy: true }, { client, print: out.print, cwd: dir })
    assert.deepEqual(calls, [{ path: join(dir, 'report.pdf'), tags: undefined, description: undefined, copy: true }])
    assert.ok(out.lines.includes(`served   from ${join(dir, 'report.pdf')} (in place: do not move or edit it; --copy keeps a copy)`))
  })

  it('sends the category and the thumbnail\'s absolute path; prints the thumbnail\'s file id', async () => {
    await writeFile(join(dir, 'cover.png'), 'checked by the daemon')
    const calls: unknown[] = []
    const client = { ...fakeClient(), share: async (request: unknown) => { calls.push(request); return { ...FILE, category: 'video' as const, thumbnail: 'bafy-thumb', ticket: TICKET } } }
    const out = capture()
    await share({ path: 'report.pdf', category: 'video', thumbnail: 'cover.png' }, { client, print: out.print, cwd: dir })
    assert.deepEqual(calls, [{ path: join(dir, 'report.pdf'), tags: undefined, description: undefined, category: 'video', thumbnail: join(dir, 'cover.png') }])
    assert.ok(out.lines.includes('type     application/pdf (video)'))
    assert.ok(out.lines.includes('thumb    bafy-thumb'))
  })

  it('sends --to recipients; an encrypted file is said to be one', async () => {
    const calls: unknown[] = []
    const client = { ...fakeClient(), share: async (request: unknown) => { calls.push(request); return { ...FILE, encrypted: true as const, ticket: TICKET } } }
    const out = capture()
    await share({ path: 'report.pdf', to: ['12D3KooWA', '12D3KooWB'] }, { client, print: out.print, cwd: dir })
    assert.deepEqual(calls, [{ path: join(dir, 'report.pdf'), tags: undefined, description: undefined, to: ['12D3KooWA', '12D3KooWB'] }])
    assert.ok(out.lines.some(line => line.includes('encrypted: peers see its id, size and chunks')))
  })

  it('fails with PathNotFoundError for a missing thumbnail, before asking the daemon', async () => {
    const client = fakeClient()
    await assert.rejects(share({ path: 'report.pdf', thumbnail: 'nope.png' }, { client, print: capture().print, cwd: dir }), { name: 'PathNotFoundError', code: 'ERR_PATH_NOT_FOUND' })
    assert.deepEqual(client.calls, [])
  })

  it('prints the FileInfo as one JSON line with --json', async () => {
    const out = capture()
    await share({ path: join(dir, 'report.pdf'), json: true }, { client: fakeClient(), print: out.print, cwd: '/' })
    assert.equal(out.lines.length, 1)
    assert.deepEqual(JSON.parse(out.lines[0]), { ...FILE, name: 'report.pdf', ticket: TICKET })
  })

  it('fails with PathNotFoundError for a missing path, before asking the daemon', async () => {
    for (const paths of [['missing.bin'], ['report.pdf', 'missing.bin']]) {
      const client = fakeClient()
      await assert.rejects(share({ paths }, { client, print: capture().print, cwd: dir }), { name: 'PathNotFoundError', code: 'ERR_PATH_NOT_FOUND' })
      assert.deepEqual(client.calls, [])
    }
  })

  it('sends a folder or several paths as one request and prints the collection', async () => {
    const collection = { collectionId: 'bafy-collection', name: 'photos', files: 3, directories: 1, size: 2048, description: '', tags: [], created: 1, category: 'image' as const, modified: 2, skipped: ['link'], ticket: 'peershare1collection' }
    const client = { ...fakeClient(), share: async (request: unknown) => { calls.push(request); return collection } }
    const calls: unknown[] = []
    const out = capture()
    await share({ paths: ['.', 'report.pdf'] }, { client, print: out.print, cwd: dir })
    assert.deepEqual(calls, [{ paths: [dir, join(dir, 'report.pdf')], tags: undefined, description: undefined }])
    assert.deepEqual(out.lines, [
      'collection id  bafy-collection',
      'name           photos',
      'files          3 (and 1 empty folders)',
      'size           2.0 KiB (2048 bytes)',
      'category       image',
      'ticket         peershare1collection',
      'skipped        link (not a regular file or folder: symlinks are not followed)'
    ])
  })
})
