import assert from 'node:assert/strict'
import { ls } from '../src/commands/ls.js'
import { replicate } from '../src/commands/replicate.js'
import { status } from '../src/commands/status.js'
import { FILE, FILE_ID, PEER_ID, REPLICATION, capture, fakeClient } from './fakes.js'

describe('replication commands (replicate, status <file-id>, ls REPLICAS)', () => {
  it('replicate sends the prefix and policy, prints live holders, target, state and why', async () => {
    const client = fakeClient()
    const out = capture()
    await replicate({ fileId: FILE_ID.slice(0, 12), replicas: '3:5' }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'replicate', request: { fileId: FILE_ID.slice(0, 12), replicas: '3:5' } }])
    assert.equal(out.lines[0], `file id        ${FILE_ID}`)
    assert.equal(out.lines[1], 'replicas       1 live, target 3:5')
    assert.match(out.lines[2], /^state {10}under-replicated: too few peers/)
    assert.equal(out.lines[3], `held by        ${PEER_ID}`)
    await assert.rejects(replicate({ fileId: 'no/such' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 1)
  })

  it('status <file-id> asks for that file\'s replication; --json prints the answer', async () => {
    const client = fakeClient()
    const json = capture()
    await status({ fileId: FILE_ID, json: true }, { client, print: json.print })
    assert.deepEqual(client.calls.map(c => c.method), ['replication'])
    assert.deepEqual(JSON.parse(json.lines[0]), REPLICATION)
  })

  it('ls shows a REPLICAS column (live/min:max) once a file is replicated, none otherwise', async () => {
    const plain = capture()
    await ls({}, { client: fakeClient({ files: [FILE] }), print: plain.print })
    assert.ok(!plain.lines[0].includes('REPLICAS'))
    const out = capture()
    await ls({}, { client: fakeClient({ files: [{ ...FILE, replicas: { live: 2, min: 3, max: 5 } }, { ...FILE, fileId: `${FILE_ID.slice(0, -1)}a` }] }), print: out.print })
    assert.match(out.lines[0], /^FILE ID +SIZE +REPLICAS +CATEGORY/)
    assert.match(out.lines[1], / 2\/3:5 /)
    assert.match(out.lines[2], / - /)
  })
})
