import assert from 'node:assert/strict'
import { contacts } from '../src/commands/contacts.js'
import { ls } from '../src/commands/ls.js'
import { visibility } from '../src/commands/visibility.js'
import { FILE, FILE_ID, PEER_ID, capture, fakeClient } from './fakes.js'

describe('contacts and visibility commands', () => {
  it('contacts add, ls and rm call the daemon and print one line each; --json the answers', async () => {
    const client = fakeClient()
    const out = capture()
    await contacts({ action: 'add', peerId: PEER_ID, name: 'alice' }, { client, print: out.print })
    await contacts({ action: 'ls' }, { client, print: out.print })
    await contacts({ action: 'rm', peerId: 'alice' }, { client, print: out.print })
    assert.deepEqual(client.calls.map(c => c.method), ['addContact', 'contacts', 'removeContact'])
    assert.deepEqual(client.calls[2].request, 'alice')
    assert.deepEqual(out.lines, [`Contact ${PEER_ID}  alice`, `${PEER_ID}  alice`, `Removed ${PEER_ID}  alice`])
    const json = capture()
    await contacts({ action: 'ls', json: true }, { client, print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), { contacts: [{ peerId: PEER_ID, name: 'alice', added: 1 }] })
  })

  it('visibility sends the id prefix and level, prints the full id; a bad prefix is refused before asking', async () => {
    const client = fakeClient()
    const out = capture()
    await visibility({ fileId: FILE_ID.slice(0, 12), visibility: 'contacts' }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'setVisibility', request: { fileId: FILE_ID.slice(0, 12), visibility: 'contacts' } }])
    assert.deepEqual(out.lines, [`${FILE_ID} is contacts`])
    await assert.rejects(visibility({ fileId: 'no/such', visibility: 'public' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 1)
  })

  it('ls says who a file that is not public is served to', async () => {
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, visibility: 'contacts' }] }), print: out.print })
    assert.match(out.lines[1], /report\.pdf {2}\(contacts only\)/)
  })
})
