import assert from 'node:assert/strict'
import { ControlApiError } from '@peershare/client'
import { id } from '../src/commands/id.js'
import { ls } from '../src/commands/ls.js'
import { FILE, FILE_ID, NODE_INFO, capture, fakeClient } from './fakes.js'

describe('id command', () => {
  it('prints peer id, repo, version and one address a line', async () => {
    const out = capture()
    await id({}, { client: fakeClient(), print: out.print })
    assert.deepEqual(out.lines, [
      `peer id    ${NODE_INFO.peerId}`,
      `repo       ${NODE_INFO.repo}`,
      `version    ${NODE_INFO.version}`,
      `addresses  ${NODE_INFO.addresses[0]}`,
      `           ${NODE_INFO.addresses[1]}`
    ])
  })

  it('says so when the node has no addresses', async () => {
    const out = capture()
    await id({}, { client: fakeClient({ info: { ...NODE_INFO, addresses: [] } }), print: out.print })
    assert.equal(out.lines.at(-1), 'addresses  (none)')
  })

  it('prints the NodeInfo as one JSON line with --json', async () => {
    const out = capture()
    await id({ json: true }, { client: fakeClient(), print: out.print })
    assert.equal(out.lines.length, 1)
    assert.deepEqual(JSON.parse(out.lines[0]), NODE_INFO)
  })
})

describe('ls command', () => {
  it('prints a table of file id, human size, category, name and tags', async () => {
    const out = capture()
    const other = { ...FILE, fileId: FILE_ID.replace(/a$/, 'b'), name: 'tiny.txt', size: 17, tags: [], category: 'other' as const }
    await ls({}, { client: fakeClient({ files: [FILE, other] }), print: out.print })
    assert.equal(out.lines.length, 3)
    assert.match(out.lines[0], /^FILE ID\s+SIZE {2}CATEGORY {2}NAME\s+TAGS$/)
    assert.match(out.lines[1], new RegExp(`^${FILE_ID} {2}3\\.0 MiB {2}document {2}report\\.pdf {2}work,q3$`))
    // sizes are right-aligned, columns line up, and no line ends in spaces
    assert.match(out.lines[2], /^\S+ {5}17 B {2}other {5}tiny\.txt$/)
  })

  it('leaves thumbnails out unless --all, which marks them', async () => {
    const thumb = { ...FILE, fileId: FILE_ID.replace(/a$/, 'c'), name: 'report.pdf.thumbnail.webp', size: 900, tags: [], category: 'image' as const, thumbnailOf: FILE_ID }
    const files = [{ ...FILE, thumbnail: thumb.fileId }, thumb]
    const out = capture()
    await ls({}, { client: fakeClient({ files }), print: out.print })
    assert.equal(out.lines.length, 2)
    const all = capture()
    await ls({ all: true }, { client: fakeClient({ files }), print: all.print })
    assert.equal(all.lines.length, 3)
    assert.match(all.lines[2], /image {5}report\.pdf\.thumbnail\.webp {2}\(thumbnail\)$/)
    const json = capture()
    await ls({ json: true }, { client: fakeClient({ files }), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]).map((f: { fileId: string }) => f.fileId), [FILE_ID])
  })

  it('--replicas lists the replicas held for other peers and the quota they use', async () => {
    const replicas = { replicas: [{ fileId: FILE_ID, size: 2048, from: NODE_INFO.peerId, encrypted: true, policy: { min: 2, max: 5 }, accepted: 1, state: 'held' as const }], usedBytes: 2048, quotaBytes: 10 * 1024 ** 3 }
    const out = capture()
    const client = fakeClient({ replicas })
    await ls({ replicas: true }, { client, print: out.print })
    assert.deepEqual(client.calls.map(c => c.method), ['replicas'])
    assert.equal(out.lines[0], '2.0 KiB used of 10.0 GiB offered to other peers\' replicas')
    assert.match(out.lines[1], /^FILE ID +SIZE +STATE +POLICY +FROM$/)
    assert.match(out.lines[2], /held \(encrypted, no key\) +2:5 /)
    const json = capture()
    await ls({ replicas: true, json: true }, { client: fakeClient({ replicas }), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), replicas)
  })

  it('marks encrypted files: with the key by their sealed name, without it by their id', async () => {
    const held = { ...FILE, fileId: FILE_ID.replace(/a$/, 'd'), name: FILE_ID.replace(/a$/, 'd'), tags: [], encrypted: true as const }
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, encrypted: true }, held] }), print: out.print })
    assert.match(out.lines[1], /report\.pdf {2}\(encrypted\)/)
    assert.match(out.lines[2], /\(encrypted, no key\)$/)
  })

  it('prints collections with their file count and size before the files; --json appends them to the array', async () => {
    const collection = { collectionId: 'bafy-collection', name: 'photos', files: 1000, directories: 2, size: 64 * 1024 * 1024, description: '', tags: ['pics'], created: 1, category: 'image' as const, modified: 2 }
    const out = capture()
    await ls({}, { client: fakeClient({ collections: [collection] }), print: out.print })
    assert.match(out.lines[0], /^COLLECTION ID\s+FILES\s+SIZE\s+CATEGORY\s+NAME\s+TAGS$/)
    assert.match(out.lines[1], /^bafy-collection\s+1000\s+64\.0 MiB\s+image\s+photos\s+pics$/)
    assert.equal(out.lines[2], '')
    assert.match(out.lines[3], /^FILE ID/)
    const json = capture()
    await ls({ json: true }, { client: fakeClient({ collections: [collection] }), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), [FILE, collection])
  })

  it('tells how to share when there are no files', async () => {
    const out = capture()
    await ls({}, { client: fakeClient({ files: [] }), print: out.print })
    assert.equal(out.lines.length, 1)
    assert.match(out.lines[0], /peershare share/)
  })

  it('prints a JSON array with --json, empty or not', async () => {
    for (const files of [[], [FILE]]) {
      const out = capture()
      await ls({ json: true }, { client: fakeClient({ files }), print: out.print })
      assert.equal(out.lines.length, 1)
      assert.deepEqual(JSON.parse(out.lines[0]), files)
    }
  })

  it('passes the daemon\'s error through', async () => {
    const error = new ControlApiError({ code: 'ERR_INTERNAL', message: 'boom' })
    await assert.rejects(ls({}, { client: fakeClient({ error }), print: capture().print }), error)
  })
})
