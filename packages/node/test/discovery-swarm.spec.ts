import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeershareNode } from '../src/index.js'
import { type TestDir, dialAddress, startTestNode, tempDir } from './fixtures.js'

const NODES = 20

/** The hits of a local search for `text` on `node`: content ids */
async function localHits (node: PeershareNode, text: string): Promise<string[]> {
  for await (const update of node.search({ text, local: true })) {
    if (update.type === 'results') return update.results.map(hit => hit.contentId)
  }
  return []
}

/** Polls every node's local index until `check` holds for all of them */
async function untilAll (nodes: PeershareNode[], text: string, check: (hits: string[]) => boolean, timeoutMs: number): Promise<void> {
  const ok = new Set<PeershareNode>()
  const end = Date.now() + timeoutMs
  while (ok.size < nodes.length) {
    if (Date.now() > end) throw new Error(`${nodes.length - ok.size} of ${nodes.length} nodes never saw it`)
    for (const node of nodes) {
      if (!ok.has(node) && check(await localHits(node, text))) ok.add(node)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('discovery across a swarm of 20 nodes (default settings, 127.0.0.1)', function () {
  this.timeout(240_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  before(async () => {
    dir = await tempDir()
    nodes.push(await startTestNode(join(dir.path, 'node-0')))
    const boot = dialAddress(nodes[0])
    for (let i = 1; i < NODES; i += 5) {
      nodes.push(...await Promise.all(Array.from({ length: Math.min(5, NODES - i) }, async (_, j) => startTestNode(join(dir.path, `node-${i + j}`), { bootstrap: [boot] }))))
    }
  })

  after(async () => {
    await Promise.allSettled(nodes.map(async node => node.stop()))
    await dir.cleanup()
  })

  it('an offer published on one node is searchable on all, on a late joiner too, and rm removes it everywhere', async () => {
    const sharer = nodes[NODES - 1]
    const path = join(dir.path, 'Quarterly_Report-2026.pdf')
    await writeFile(path, '%PDF-1.4\nquarterly figures\n')
    const record = await sharer.share(path, { tags: ['finance'], description: 'The quarterly numbers' })
    await untilAll(nodes, 'quarterly', hits => hits.includes(record.fileId), 60_000)
    // typo and prefix on every node's own index
    assert.ok((await localHits(nodes[3], 'quartely')).includes(record.fileId))
    assert.ok((await localHits(nodes[7], 'quart')).includes(record.fileId))

    // a node that joins afterwards pulls the catalog from the peers it meets
    const late = await startTestNode(join(dir.path, 'late'), { bootstrap: [dialAddress(nodes[5])] })
    nodes.push(late)
    await untilAll([late], 'quarterly', hits => hits.includes(record.fileId), 60_000)

    await sharer.remove(record.fileId)
    await untilAll(nodes, 'quarterly', hits => !hits.includes(record.fileId), 60_000)
  })
})
