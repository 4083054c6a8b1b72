import assert from 'node:assert/strict'
import { browse } from '../src/commands/browse.js'
import { search } from '../src/commands/search.js'
import { show } from '../src/commands/show.js'
import { FILE_ID, HIT, PEER_ID, capture, fakeClient } from './fakes.js'

const OTHER = { ...HIT, contentId: FILE_ID.replace(/.$/, 'a'), name: 'report-2.pdf', providers: 3 }

describe('search, browse and show commands', () => {
  it('search sends words, filters and sizes in bytes, and prints rows as results first appear', async () => {
    const client = fakeClient({
      searchUpdates: [
        { type: 'results', results: [HIT], total: 1, match: 'all', from: 'local' },
        // a peer's answer: the merged list again, re-ranked; only the new row is printed
        { type: 'results', results: [OTHER, HIT], total: 2, match: 'all', from: PEER_ID },
        { type: 'done', asked: 3, answered: 1 }
      ]
    })
    const out = capture()
    await search({ words: ['annual', 'report'], category: 'document', type: 'application/', minSize: '1MB', maxSize: '1.5GiB', sort: 'size', limit: 5 }, { client, print: out.print })
    assert.deepEqual(client.calls[0].request, { text: 'annual report', category: 'document', mimeType: 'application/', minSize: 1_000_000, maxSize: 1.5 * 1024 ** 3, sort: 'size', limit: 5 })
    assert.match(out.lines[0], /^NAME +SIZE +CATEGORY +PEERS +ID$/)
    assert.match(out.lines[1], new RegExp(`^report\\.pdf +3\\.0 MiB +document +1 +${FILE_ID}$`))
    assert.match(out.lines[2], /^report-2\.pdf .* 3 +\S+$/)
    assert.equal(out.lines[3], '2 result(s); asked 3 peer(s), 1 answered')
    assert.equal(out.lines.length, 4)
  })

  it('search --local says so; --json prints the final list once; no words (or only punctuation) is a usage error; a bad size never reaches the daemon', async () => {
    const local = capture()
    await search({ words: ['report'], local: true }, { client: fakeClient(), print: local.print })
    assert.equal(local.lines.at(-1), '1 result(s); this node\'s index only')
    const json = capture()
    await search({ words: ['report'], json: true }, { client: fakeClient(), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), { results: [HIT], total: 1, match: 'all', asked: 0, answered: 0 })
    assert.equal(json.lines.length, 1)
    const client = fakeClient()
    await assert.rejects(search({ words: [' '] }, { client, print: capture().print }), { name: 'UsageError' })
    // no letter or digit: no word to search for (it listed every offer)
    for (const words of [['*'], ['"'], ['(', ')'], ['\\']]) {
      await assert.rejects(search({ words }, { client, print: capture().print }), (err: any) => err.name === 'UsageError' && /has no words to search for/.test(err.message), words.join(' '))
    }
    await assert.rejects(search({ words: ['x'], minSize: 'huge' }, { client, print: capture().print }), { name: 'InvalidSizeError' })
    assert.equal(client.calls.length, 0)
  })

  it('search notes when no offer had every word', async () => {
    const out = capture()
    await search({ words: ['report', 'zebra'] }, { client: fakeClient({ searchUpdates: [{ type: 'results', results: [HIT], total: 1, match: 'some', from: 'local' }, { type: 'done', asked: 0, answered: 0 }] }), print: out.print })
    assert.match(out.lines[0], /^No offer has every word/)
  })

  it('browse without a category prints counts; with one, a page of offers', async () => {
    const counts = capture()
    await browse({}, { client: fakeClient({ browse: { results: [HIT], total: 3, page: 1, pageSize: 20, categories: { video: 2, document: 1 } } }), print: counts.print })
    assert.deepEqual(counts.lines.slice(0, 3).map(l => l.replace(/\s+/g, ' ')), ['CATEGORY OFFERS', 'video 2', 'document 1'])
    const client = fakeClient({ browse: { results: [HIT], total: 41, page: 2, pageSize: 20 } })
    const page = capture()
    await browse({ category: 'document', sort: 'name', page: 2 }, { client, print: page.print })
    assert.deepEqual(client.calls[0].request, { category: 'document', author: undefined, sort: 'name', page: 2 })
    assert.match(page.lines[1], /^report\.pdf/)
    assert.equal(page.lines.at(-1), 'page 2 of 3, 41 offer(s); next: --page 3')
  })

  it('show prints the offer, its authors, thumbnail and providers', async () => {
    const out = capture()
    await show({ id: FILE_ID.slice(0, 20) }, { client: fakeClient(), print: out.print })
    assert.equal(out.lines[0], 'report.pdf')
    assert.ok(out.lines.some(l => l === `  id          ${FILE_ID} (file)`))
    assert.ok(out.lines.some(l => l === '  thumbnail   none'))
    assert.ok(out.lines.some(l => l.startsWith(`    ${PEER_ID}  seq 1700000000000000`)))
    assert.equal(out.lines.at(-1), `  get it with \`peershare get ${FILE_ID}\``)
  })
})
