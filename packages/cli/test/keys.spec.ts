import assert from 'node:assert/strict'
import { grant, revoke } from '../src/commands/grant.js'
import { inbox } from '../src/commands/inbox.js'
import { status } from '../src/commands/status.js'
import { FILE_ID, INBOX_ENTRY, PEER_ID, capture, fakeClient } from './fakes.js'

const OTHER_PEER = '12D3KooWRrQ7a8WWmXDTmxVKQ1CWWPBhTqGZdYqJ9NxZXxTRC9Ky'

describe('grant, revoke, inbox commands', () => {
  it('grant sends the id prefix and peers, and says which are delivered and which wait', async () => {
    const client = fakeClient()
    const out = capture()
    await grant({ fileId: FILE_ID.slice(0, 10), peers: [PEER_ID, OTHER_PEER] }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'grant', request: { fileId: FILE_ID.slice(0, 10), peers: [PEER_ID, OTHER_PEER] } }])
    assert.match(out.lines[0], /^PEER +GRANT +STATE$/)
    assert.match(out.lines[1], new RegExp(`^${PEER_ID} +file-key +delivered$`))
    assert.match(out.lines[2], new RegExp(`^${OTHER_PEER} +file-key +pending$`))
    assert.match(out.lines[3], /^1 not reachable now/)
    await assert.rejects(grant({ fileId: 'no/such', peers: [PEER_ID] }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 1)
  })

  it('revoke and inbox print one line and a table, or JSON with --json', async () => {
    const client = fakeClient()
    const out = capture()
    await revoke({ fileId: FILE_ID, peer: PEER_ID }, { client, print: out.print })
    assert.match(out.lines[0], new RegExp(`^Revoked ${FILE_ID} for ${PEER_ID}`))
    const table = capture()
    await inbox({}, { client, print: table.print })
    assert.match(table.lines[0], /^NAME +SIZE +FROM +RECEIVED +HAVE +FILE ID$/)
    assert.match(table.lines[1], new RegExp(`^secret plans\\.pdf +2\\.0 MiB +${PEER_ID} +2026-11-30 18:05 +no +${FILE_ID}$`))
    const json = capture()
    await inbox({ json: true }, { client, print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), [INBOX_ENTRY])
    const empty = capture()
    await inbox({}, { client: { ...client, inbox: async () => [] }, print: empty.print })
    assert.deepEqual(empty.lines, ['Nothing shared with this node yet'])
  })

  it('status counts grants made, waiting and received', async () => {
    const out = capture()
    await status({}, { client: fakeClient(), print: out.print })
    assert.ok(out.lines.includes('key grants     3 made, 1 waiting for delivery; 2 received'))
  })
})
