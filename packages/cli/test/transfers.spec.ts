import assert from 'node:assert/strict'
import { control, transfers } from '../src/commands/transfers.js'
import { FILE_ID, capture, fakeClient, stalledEvent } from './fakes.js'

describe('transfers, pause, resume, cancel commands', () => {
  it('transfers prints state, percentage, rate and sources; --json the array', async () => {
    const out = capture()
    await transfers({}, { client: fakeClient(), print: out.print })
    assert.match(out.lines[0], /FILE ID\s+STATE\s+DONE/)
    assert.ok(out.lines[1].includes(FILE_ID) && out.lines[1].includes('running') && out.lines[1].includes('50%'))
    const json = capture()
    await transfers({ json: true }, { client: fakeClient(), print: json.print })
    const [t] = JSON.parse(json.lines[0])
    for (const key of ['fileId', 'state', 'bytesDone', 'bytesTotal', 'rate', 'sources']) assert.ok(key in t, key)
  })

  it('transfers shows a stalled download with its reason, unknown size and ETA', async () => {
    const out = capture()
    await transfers({}, { client: { ...fakeClient(), transfers: async () => [stalledEvent()] }, print: out.print })
    assert.match(out.lines[1], /stalled\s+\?\s+0 B \/ \?\s+0 B\/s\s+\?/)
    assert.match(out.lines[1], /\(providers unreachable: 1 known, none answers; looking again in 4 s\)$/)
  })

  it('pause, resume and cancel call the daemon and report the new state', async () => {
    const client = fakeClient()
    const out = capture()
    await control('pause', { fileId: FILE_ID }, { client, print: out.print })
    await control('resume', { fileId: FILE_ID }, { client, print: out.print })
    await control('cancel', { fileId: FILE_ID }, { client, print: out.print })
    assert.deepEqual(client.calls.map(c => c.method), ['pause', 'resume', 'cancel'])
    assert.match(out.lines[0], /paused/)
    assert.match(out.lines[1], /running/)
    assert.match(out.lines[2], /Cancelled/)
  })

  it('rejects a bad file id without asking the daemon', async () => {
    const client = fakeClient()
    await assert.rejects(control('pause', { fileId: 'no pe' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 0)
  })
})
