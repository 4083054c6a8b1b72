import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { IdentifyAgain } from '../src/swarm/identify-again.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** libp2p's identify protocol, and its push (a peer sends the same message when its protocols or addresses change) */
const IDENTIFY_PROTOCOL = '/ipfs/id/1.0.0'
const IDENTIFY_PUSH_PROTOCOL = '/ipfs/id/push/1.0.0'

describe('identify again', () => {
  describe('which connections', () => {
    /** A fake connection to `peer`, opened `ageMs` before `NOW` */
    const connection = (peer: string, ageMs: number, status = 'open'): Connection =>
      ({ remotePeer: { toString: () => peer } as unknown as PeerId, status, timeline: { open: NOW - ageMs } }) as unknown as Connection
    const NOW = 1_000_000

    it('an open connection past the grace to a peer never identified, once; no other', async () => {
      const connections = [connection('young', 1_000), connection('known', 20_000), connection('unknown', 20_000), connection('closed', 20_000, 'closed'), connection('no-record', 30_000)]
      const identified: string[] = []
      const again = new IdentifyAgain({
        getConnections: () => connections,
        identifiedBefore: async peer => {
          if (peer.toString() === 'no-record') throw new Error('Not found')
          return peer.toString() === 'known'
        },
        identify: async c => { identified.push(c.remotePeer.toString()); if (c.remotePeer.toString() === 'no-record') throw new Error('refused') },
        log: () => {}
      }, 15_000)
      await again.check(NOW)
      assert.deepEqual(identified.sort(), ['no-record', 'unknown'])
      assert.equal(again.identifiedAgain, 2)
      // each connection at most once, though its identify failed again
      await again.check(NOW + 60_000)
      assert.deepEqual(identified.sort(), ['no-record', 'unknown', 'young'])
    })
  })

  describe('between two nodes, the first identify failed', function () {
    this.timeout(120_000)
    let dir: TestDir
    const nodes: PeershareNode[] = []

    before(async () => {
      dir = await tempDir()
      for (const name of ['dialler', 'late']) nodes.push(await startTestNode(join(dir.path, name)))
    })

    after(async () => {
      await Promise.allSettled(nodes.map(async n => n.stop()))
      await dir?.cleanup()
    })

    it('the dialler identifies the peer again (libp2p alone never asks again), its LAN DHT holds it', async () => {
      const [dialler, late] = nodes
      // the late node refuses its first identify stream (a peer too busy to answer in time), then answers as libp2p does
      const identify = late.libp2p.services.identify as unknown as { handleProtocol: (stream: unknown, connection: unknown) => Promise<void> }
      let refused = 0
      await late.libp2p.unhandle(IDENTIFY_PROTOCOL)
      await late.libp2p.handle(IDENTIFY_PROTOCOL, async (stream, conn) => {
        if (refused++ === 0) { stream.abort(new Error('too busy')); return }
        await identify.handleProtocol(stream, conn)
      })
      // the handler swap above makes the late node push its identify message to its peers: the dialler takes no pushes, so only identify can tell it
      await dialler.libp2p.unhandle(IDENTIFY_PUSH_PROTOCOL)
      await dialler.libp2p.dial(multiaddr(dialAddress(late)))
      await until(() => refused >= 1, 20_000, 'the first identify stream')
      // identify stores the agent version; streams the dialler opens only add their protocols
      await until(async () => (await dialler.libp2p.peerStore.get(late.peerId)).metadata.has('AgentVersion'), 60_000, 'the late node identified by the dialler')
      assert.equal(refused, 2, 'identified once more')
      assert.ok((await dialler.libp2p.peerStore.get(late.peerId)).protocols.includes(lanDht(late).protocol))
      await until(() => lanDht(dialler).routingTableSize() === 1, 20_000, 'the late node in the dialler\'s LAN routing table')
    })
  })
})
