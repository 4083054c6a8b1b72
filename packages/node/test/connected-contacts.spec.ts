import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { addConnectedContacts, PING_NEW_CONTACTS_BELOW } from '../src/dht/connected-contacts.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** libp2p's ping protocol, what kad-dht pings a new contact with */
const PING_PROTOCOL = '/ipfs/ping/1.0.0'

describe('connected DHT contacts', () => {
  it('enter the routing table without a ping, announced as pinged; a contact with no open connection is still pinged (a table whose size is not known counts as small)', async () => {
    const [connected, away] = await Promise.all([peer(), peer()])
    const pinged: string[] = []
    const announced: string[] = []
    const table = {
      kb: { verify: async ({ peerId }: { peerId: PeerId }) => { pinged.push(peerId.toString()); return false } },
      safeDispatchEvent: (type: string, init: CustomEventInit<PeerId>) => { announced.push(`${type} ${init.detail?.toString()}`); return true }
    }
    assert.equal(addConnectedContacts(table, p => p.equals(connected)), true)
    assert.equal(await table.kb.verify({ peerId: connected }), true)
    assert.equal(await table.kb.verify({ peerId: away }), false)
    assert.deepEqual(pinged, [away.toString()])
    // kad-dht's closest-peer tagger (keep-alive) learns of live peers from this event only
    assert.deepEqual(announced, [`peer:ping ${connected.toString()}`])
  })

  it('a contact with no open connection is pinged only while the table holds fewer than K peers', async () => {
    const [away, later] = await Promise.all([peer(), peer()])
    const pinged: string[] = []
    const table = {
      size: PING_NEW_CONTACTS_BELOW - 1,
      kb: { verify: async ({ peerId }: { peerId: PeerId }) => { pinged.push(peerId.toString()); return true } },
      safeDispatchEvent: () => true
    }
    assert.equal(addConnectedContacts(table, () => false), true)
    assert.equal(await table.kb.verify({ peerId: away }), true, 'a small table pings a contact it heard of, and takes it')
    table.size = PING_NEW_CONTACTS_BELOW
    assert.equal(await table.kb.verify({ peerId: later }), false, 'a table of K peers leaves it out, with no ping')
    assert.deepEqual(pinged, [away.toString()])
  })

  it('leaves a routing table of another shape alone', () => {
    assert.equal(addConnectedContacts({}, () => true), false)
    assert.equal(addConnectedContacts(undefined, () => true), false)
    assert.equal(addConnectedContacts({ kb: { verify: async () => true } }, () => true), false)
  })

  describe('between two nodes, one not answering pings', function () {
    this.timeout(60_000)
    let dir: TestDir
    const nodes: PeershareNode[] = []

    before(async () => {
      dir = await tempDir()
      for (const name of ['dialler', 'silent']) nodes.push(await startTestNode(join(dir.path, name)))
    })

    after(async () => {
      await Promise.allSettled(nodes.map(async n => n.stop()))
      await dir?.cleanup()
    })

    it('the dialler holds the silent node in its LAN routing table once connected (kad-dht alone would ping it and leave it out)', async () => {
      const [dialler, silent] = nodes
      assert.ok(silent.libp2p.getProtocols().includes(PING_PROTOCOL))
      await silent.libp2p.unhandle(PING_PROTOCOL)
      await dialler.libp2p.dial(multiaddr(dialAddress(silent)))
      await until(() => lanDht(dialler).routingTableSize() === 1, 20_000, 'the silent node in the dialler\'s routing table')
      // kad-dht tags its closest peers keep-alive (every 5 s): the silent node is one, though it never answered a ping
      await until(async () => [...(await dialler.libp2p.peerStore.get(silent.peerId)).tags.keys()].some(tag => tag.startsWith('keep-alive')), 20_000, 'a keep-alive tag on the silent node')
      // the silent node pings the dialler, which answers, so it holds the dialler either way
      await until(() => lanDht(silent).routingTableSize() === 1, 20_000, 'the dialler in the silent node\'s routing table')
    })
  })
})

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}
