import assert from 'node:assert/strict'
import { ls } from '../src/commands/ls.js'
import { verify } from '../src/commands/verify.js'
import { FILE, FILE_ID, capture, fakeClient } from './fakes.js'

describe('verify command, ls of damaged files', () => {
  it('verify sends the id prefix, prints each file\'s status and the failed chunks, then a summary', async () => {
    const client = fakeClient({
      verified: [
        { ...FILE, status: 'damaged', damagedChunks: [1, 4] },
        { ...FILE, name: 'b.bin', damagedChunks: [] },
        { ...FILE, name: 'my notes.txt', status: 'modified', path: '/home/u/my notes.txt', damagedChunks: [] },
        // its path is the decrypted copy: the ciphertext checked is in the repo (sharing the path would publish the plaintext)
        { ...FILE, name: 'secret.txt', status: 'damaged', path: '/home/u/secret.txt', encrypted: true, damagedChunks: [0] }
      ]
    })
    const out = capture()
    // not every file ok: the command fails after its report, as `sha256sum -c` does
    await assert.rejects(verify({ fileId: FILE_ID.slice(0, 12) }, { client, print: out.print }), (err: any) => err.code === 'ERR_VERIFY_FAILED' && err.message === '3 of 4 file(s) not ok')
    assert.deepEqual(client.calls, [{ method: 'verify', request: FILE_ID.slice(0, 12) }])
    assert.match(out.lines[1], /damaged +report\.pdf {2}\(chunks 1, 4 failed\)$/)
    assert.match(out.lines[2], /ok +b\.bin$/)
    assert.match(out.lines[3], /modified +my notes\.txt$/)
    assert.equal(out.lines[5], '4 checked: 1 ok, 3 not ok, no longer served:')
    // a copy in the repo comes back by itself; a file shared in place is the user's to put back or share again
    assert.equal(out.lines[6], '  report.pdf: fetched again from other providers; ok once it arrives')
    assert.equal(out.lines[7], "  my notes.txt: put /home/u/my notes.txt back as it was, or share it again as it is now: peershare share '/home/u/my notes.txt'")
    assert.equal(out.lines[8], '  secret.txt: fetched again from other providers; ok once it arrives')
    const fine = capture()
    await verify({}, { client: fakeClient({ verified: [{ ...FILE, damagedChunks: [] }] }), print: fine.print })
    assert.equal(fine.lines.at(-1), '1 checked, all ok')
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
