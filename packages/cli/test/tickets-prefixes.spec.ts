import assert from 'node:assert/strict'
import { get } from '../src/commands/get.js'
import { limits } from '../src/commands/limits.js'
import { ls } from '../src/commands/ls.js'
import { peers } from '../src/commands/peers.js'
import { rm } from '../src/commands/rm.js'
import { ticket } from '../src/commands/ticket.js'
import { control } from '../src/commands/transfers.js'
import { FILE, FILE_ID, PEERS, TICKET, capture, fakeClient } from './fakes.js'

describe('ticket command, tickets in get, id prefixes, limits --temporary, ls status, peers latency', () => {
  it('ticket prints the ticket alone (so $(peershare ticket id) is the ticket), --json the TicketInfo', async () => {
    const client = fakeClient()
    const out = capture()
    await ticket({ fileId: FILE_ID.slice(0, 20) }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'ticket', request: FILE_ID.slice(0, 20) }])
    assert.deepEqual(out.lines, [TICKET])
    const json = capture()
    await ticket({ fileId: FILE_ID, json: true }, { client, print: json.print })
    assert.equal(JSON.parse(json.lines[0]).ticket, TICKET)
  })

  it('ticket rejects what cannot be an id without a daemon', async () => {
    const client = fakeClient()
    await assert.rejects(ticket({ fileId: '../x' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.deepEqual(client.calls, [])
  })

  it('get sends a ticket to the daemon as the ref; a damaged one fails before asking', async () => {
    const client = fakeClient()
    await get({ ref: TICKET }, { client, print: capture().print, cwd: '/tmp' })
    assert.deepEqual(client.calls, [{ method: 'get', request: { ref: TICKET, peer: undefined, output: undefined, cwd: '/tmp' } }])
    const damaged = fakeClient()
    await assert.rejects(get({ ref: TICKET.slice(0, -3) }, { client: damaged, print: capture().print, cwd: '/tmp' }), { name: 'InvalidTicketError', code: 'ERR_INVALID_TICKET' })
    assert.deepEqual(damaged.calls, [])
  })

  it('pause, cancel and rm pass a prefix on and print the full id the daemon answers', async () => {
    const client = fakeClient()
    const out = capture()
    await control('cancel', { fileId: 'bahij' }, { client, print: out.print })
    await rm({ fileId: 'bahij' }, { client, print: out.print })
    await rm({ fileId: 'bahij', json: true }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'cancel', request: 'bahij' }, { method: 'remove', request: 'bahij' }, { method: 'remove', request: 'bahij' }])
    assert.match(out.lines[0], new RegExp(`^Cancelled ${FILE_ID}`))
    assert.equal(out.lines[1], `Removed ${FILE_ID}`)
    assert.deepEqual(JSON.parse(out.lines[2]), { removed: FILE_ID })
  })

  it('limits --temporary asks the daemon not to save', async () => {
    const client = fakeClient()
    const parseRate = (): number => 1024
    const formatRate = (n: number): string => String(n)
    await limits({ download: '1KiB', temporary: true }, { client, print: capture().print, parseRate, formatRate })
    await limits({ download: '1KiB' }, { client, print: capture().print, parseRate, formatRate })
    assert.deepEqual(client.calls.map(c => c.request), [{ download: 1024, temporary: true }, { download: 1024 }])
  })

  it('ls marks a file changed on disk as not served', async () => {
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, status: 'modified' }] }), print: out.print })
    assert.match(out.lines[1], /report\.pdf {2}\(modified; not served\)/)
  })

  it('ls says why a file is not served when the node said', async () => {
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, status: 'missing', reason: '/home/me/report.pdf: ENOENT' }] }), print: out.print })
    assert.match(out.lines[1], /report\.pdf {2}\(missing: \/home\/me\/report\.pdf: ENOENT; not served\)/)
  })

  it('peers --json gives latencyMs', async () => {
    const out = capture()
    await peers({ json: true }, { client: fakeClient(), print: out.print })
    assert.equal(JSON.parse(out.lines[0])[0].latencyMs, PEERS[0].latencyMs)
  })
})
