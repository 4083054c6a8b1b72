import assert from 'node:assert/strict'
import { peers } from '../src/commands/peers.js'
import { providers } from '../src/commands/providers.js'
import { rm } from '../src/commands/rm.js'
import { status } from '../src/commands/status.js'
import { swarmConnect } from '../src/commands/swarm-connect.js'
import { FILE_ID, PEER_ADDR, PEER_ID, PROVIDER, STATUS, capture, fakeClient } from './fakes.js'

describe('swarm and index commands', () => {
  it('status prints both DHTs (mode, routing table), files, storage and discovery figures; --json the object', async () => {
    const client = fakeClient()
    // a pull a minute and a half ago (the line says how long ago, from the clock now)
    client.status = async () => ({ ...STATUS, discovery: { ...STATUS.discovery, lastPull: { peer: PEER_ID, at: Date.now() - 90_000 } } })
    const out = capture()
    await status({}, { client, print: out.print })
    assert.ok(out.lines.some(l => l.startsWith('lan dht') && l.includes('server mode, 7 peer(s) in routing table (/peershare/lan/kad/1.0.0)')))
    assert.ok(out.lines.some(l => l.startsWith('public dht') && l.includes('client mode, 0 peer(s) in routing table (/peershare/kad/1.0.0)')))
    assert.ok(out.lines.some(l => l.startsWith('files') && l.endsWith('2')))
    assert.ok(out.lines.some(l => l.includes('5.0 MiB')))
    // discovery: offers, gossip, the last catalog pull, the search index
    assert.ok(out.lines.includes('offers         4 own, 1250 cached; 37 author(s) known, 6 tombstone(s)'), out.lines.join('\n'))
    assert.ok(out.lines.includes('gossip         5 peer(s) on the announcement topic, 0 own announcement(s) waiting'))
    assert.ok(out.lines.some(l => l.startsWith(`catalog pull   ${PEER_ID}, 1m`) && l.endsWith('s ago')), out.lines.join('\n'))
    assert.ok(out.lines.includes('search index   1201 content id(s)'))
    const json = capture()
    await status({ json: true }, { client: fakeClient(), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), STATUS)
  })

  it('status says when discovery has nothing yet: no catalog pull, the search index building', async () => {
    const client = fakeClient()
    client.status = async () => ({ ...STATUS, discovery: { ...STATUS.discovery, lastPull: null, searchIndex: { built: false, contentIds: 0 } } })
    const out = capture()
    await status({}, { client, print: out.print })
    assert.ok(out.lines.includes('catalog pull   none yet'))
    assert.ok(out.lines.includes('search index   building'))
  })

  it('peers prints a table with latency', async () => {
    const out = capture()
    await peers({}, { client: fakeClient(), print: out.print })
    assert.match(out.lines[0], /PEER ID\s+LATENCY\s+ADDRESSES/)
    assert.ok(out.lines[1].includes(PEER_ID) && out.lines[1].includes('3 ms'))
    // none: where to look for why, not only "start with --bootstrap" (said to a daemon given one too)
    const none = capture()
    await peers({}, { client: { ...fakeClient(), peers: async () => [] }, print: none.print })
    assert.match(none.lines[0], /^Not connected to any peer \(`peershare status` says why\)/)
  })

  it('swarm connect checks the multiaddr locally before asking the daemon', async () => {
    const client = fakeClient()
    await assert.rejects(swarmConnect({ addr: 'not an addr' }, { client, print: capture().print }), { name: 'BadRequestError' })
    assert.equal(client.calls.length, 0)
    const out = capture()
    await swarmConnect({ addr: PEER_ADDR }, { client, print: out.print })
    assert.deepEqual(out.lines, [`Connected to ${PEER_ID}`])
  })

  it('providers streams each provider and converts the timeout to ms', async () => {
    const client = fakeClient()
    const out = capture()
    await providers({ ref: FILE_ID, timeout: 2 }, { client, print: out.print })
    assert.deepEqual(client.calls[0].request, { ref: FILE_ID, timeout: 2000 })
    assert.ok(out.lines[0].startsWith(PEER_ID))
    assert.equal(out.lines.at(-1), '1 provider(s)')
    const json = capture()
    await providers({ ref: FILE_ID, json: true }, { client: fakeClient(), print: json.print })
    assert.deepEqual(JSON.parse(json.lines[0]), PROVIDER)
  })

  it('providers and rm reject a bad file id without a daemon', async () => {
    const client = fakeClient()
    await assert.rejects(providers({ ref: 'nope' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    await assert.rejects(rm({ fileId: 'no/pe' }, { client, print: capture().print }), { name: 'InvalidFileIdError' })
    assert.equal(client.calls.length, 0)
  })

  it('rm removes by file id', async () => {
    const client = fakeClient()
    const out = capture()
    await rm({ fileId: FILE_ID }, { client, print: out.print })
    assert.deepEqual(client.calls, [{ method: 'remove', request: FILE_ID }])
    assert.deepEqual(out.lines, [`Removed ${FILE_ID}`])
  })
})
