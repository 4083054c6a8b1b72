import assert from 'node:assert/strict'
import { ls } from '../src/commands/ls.js'
import { verify } from '../src/commands/verify.js'
import { FILE, FILE_ID, capture, fakeClient } from './fakes.js'

describe('verify command, ls of damaged files', () => {
  it('verify sends the id prefix, prints each file\'s status and the failed chunks, then a summary', async () => {
    const client = fakeClient({ verified: [{ ...FILE, status: 'damaged', damagedChunks: [1, 4] }, { ...FILE, name: 'b.bin', damagedChunks: [] }] })
    const out = capture()
    await verify({ fileId: FILE_ID.slice(0, 12) }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'verify', request: FILE_ID.slice(0, 12) }])
    assert.match(out.lines[1], /damaged +report\.pdf {2}\(chunks 1, 4 failed\)$/)
    assert.match(out.lines[2], /ok +b\.bin$/)
    assert.match(out.lines[3], /^2 verified, 1 not ok/)
  })

  it('verify without an id checks every file; --json prints the answer; a bad prefix is refused before asking', async () => {
    const client = fakeClient()
    const json = capture()
    await verify({ json: true }, { client, print: json.print })
    assert.deepEqual(client.calls, [{ method: 'verify', request: undefined }])
    assert.deepEqual(JSON.parse(json.lines[0]), [{ ...FILE, damagedChunks: [] }])
    await assert.rejects(verify({ fileId: 'no/such' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 1)
  })

  it('ls marks a damaged file as not served', async () => {
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, status: 'damaged' }] }), print: out.print })
    assert.match(out.lines[1], /report\.pdf {2}\(damaged; not served\)/)
  })
})
