import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Bitfield, PARTS_PER_CHUNK, partAt, partRange, partable } from '@peershare/protocol'
import { Uint8ArrayList } from 'uint8arraylist'
import { ChunkPicker, type Work } from '../src/download/chunk-picker.js'
import { type JoinedChunk, PartAssembly } from '../src/download/part-assembly.js'
import { manifestOf } from './fixtures.js'

const ALL = (): boolean => true

/** Takes work for `id` until it gets none: what it was given */
function drain (picker: ChunkPicker, id: string, rate = 0): Work[] {
  const out: Work[] = []
  for (let w = picker.nextWork(id, rate); w !== undefined; w = picker.nextWork(id, rate)) out.push(w)
  return out
}

describe('parts of chunks in the tail of a download (ChunkPicker)', () => {
  it('gives whole chunks until few are left unclaimed, then parts of the last ones', () => {
    const picker = new ChunkPicker(10, new Bitfield(10), { partable: ALL })
    picker.addSource('a', Bitfield.full(10), [], true)
    picker.addSource('b', Bitfield.full(10), [], true)
    for (let i = 0; i < 6; i++) assert.deepEqual(picker.nextWork('a'), { index: i })
    // two sources that answer parts: once 2 x 2 chunks are left unclaimed, they are split
    assert.deepEqual(picker.nextWork('b'), { index: 6, part: 0 })
    assert.deepEqual(picker.nextWork('a'), { index: 6, part: 1 }, 'an open part of a split chunk comes before a new chunk')
    const rest: Work[] = []
    for (let i = 0; i < 2 + 3 * PARTS_PER_CHUNK; i++) rest.push(picker.nextWork(i % 2 === 0 ? 'a' : 'b') as Work)
    assert.ok(rest.every(w => w.part !== undefined), 'every later unit is a part')
    assert.equal(rest.filter(w => w.index === 6).length, 2)
    for (const index of [7, 8, 9]) assert.equal(rest.filter(w => w.index === index).length, PARTS_PER_CHUNK, `chunk ${index} in ${PARTS_PER_CHUNK} parts`)
  })

  it('never splits for a source without parts, nor a chunk it may not split, nor one whose joined parts failed', () => {
    const whole = new ChunkPicker(3, new Bitfield(3), { partable: ALL })
    whole.addSource('old', Bitfield.full(3))
    assert.deepEqual(drain(whole, 'old').map(w => w.part), [undefined, undefined, undefined])

    const alone = new ChunkPicker(2, new Bitfield(2), { partable: ALL })
    alone.addSource('a', Bitfield.full(2), [], true)
    assert.deepEqual(drain(alone, 'a'), [{ index: 0 }, { index: 1 }], 'one source alone: nobody to share parts with')

    const short = new ChunkPicker(5, new Bitfield(5), { partable: index => index !== 1 })
    short.addSource('a', Bitfield.full(5), [], true)
    short.addSource('b', Bitfield.full(5), [], true)
    assert.deepEqual(short.nextWork('a'), { index: 0 }, 'five unclaimed for two sources: whole')
    assert.deepEqual(short.nextWork('a'), { index: 1 }, 'four left, but this one may not be split')
    assert.deepEqual(short.nextWork('a'), { index: 2, part: 0 })

    const failed = new ChunkPicker(1, new Bitfield(1), { partable: ALL })
    failed.addSource('a', Bitfield.full(1), [], true)
    failed.addSource('b', Bitfield.full(1), [], true)
    for (let part = 0; part < PARTS_PER_CHUNK; part++) {
      assert.deepEqual(failed.nextWork('a'), { index: 0, part })
      failed.partReceived('a', 0, part)
    }
    assert.deepEqual(failed.splitFailed(0), [])
    assert.deepEqual(failed.nextWork('a'), { index: 0 }, 'fetched whole after its parts failed')
  })

  it('counts a part as received once; the chunk is done when completed, and its part fetchers are told', () => {
    const picker = new ChunkPicker(1, new Bitfield(1), { partable: ALL })
    picker.addSource('a', Bitfield.full(1), [], true)
    picker.addSource('b', Bitfield.full(1), [], true)
    assert.deepEqual(picker.nextWork('a'), { index: 0, part: 0 })
    assert.deepEqual(picker.nextWork('b'), { index: 0, part: 1 })
    assert.equal(picker.partWanted(0, 0), true)
    picker.partReceived('a', 0, 0)
    assert.equal(picker.partWanted(0, 0), false)
    assert.deepEqual(picker.completed('a', 0), ['b'], 'b fetches a part of the chunk that is done')
    assert.equal(picker.partWanted(0, 1), false)
    assert.equal(picker.nextWork('a'), undefined)
    assert.equal(picker.inFlight('b'), 0)
  })

  it('in the end game, an idle source duplicates the part expected last, not one about to arrive', () => {
    const picker = new ChunkPicker(1, new Bitfield(1), { partable: ALL })
    picker.addSource('slow', Bitfield.full(1), [], true)
    picker.addSource('fast', Bitfield.full(1), [], true)
    for (let part = 0; part < PARTS_PER_CHUNK; part++) assert.deepEqual(picker.nextWork('slow', 1000), { index: 0, part })
    // fast has nothing queued: a quarter chunk takes it 0.25 / 4000; the slow source's last part 1 / 1000
    assert.deepEqual(picker.nextWork('fast', 4000), { index: 0, part: 3 })
    assert.deepEqual(picker.nextWork('fast', 4000), { index: 0, part: 2 })
    picker.partReceived('fast', 0, 3)
    assert.equal(picker.partWanted(0, 3), false)
    assert.equal(picker.inFlight('slow'), 3, "the slow source's claim on the part that came is released")
  })

  it('in the end game, a fast source takes the place of the slower of two sources copying the same part', () => {
    const picker = new ChunkPicker(1, new Bitfield(1), { partable: ALL })
    for (const s of ['slow1', 'slow2', 'fast']) picker.addSource(s, Bitfield.full(1), [], true)
    for (let part = 0; part < PARTS_PER_CHUNK; part++) assert.deepEqual(picker.nextWork('slow1', 1000), { index: 0, part })
    // slow2, idle, copies the part slow1 brings last; then the one before it
    assert.deepEqual(picker.nextWork('slow2', 1000), { index: 0, part: 3 })
    assert.deepEqual(picker.nextWork('slow2', 1000), { index: 0, part: 2 })
    // fast beats every copy: a free slot first (part 1 is due as late as part 2, and has
    // one copy), then the place of slow1, due last, on part 2 (two copies), and so on
    assert.deepEqual(picker.nextWork('fast', 100_000), { index: 0, part: 1 })
    assert.deepEqual(picker.nextWork('fast', 100_000), { index: 0, part: 2, evicted: 'slow1' })
    assert.deepEqual(picker.nextWork('fast', 100_000), { index: 0, part: 0 })
    assert.deepEqual(picker.nextWork('fast', 100_000), { index: 0, part: 3, evicted: 'slow1' })
    assert.equal(picker.inFlight('slow1'), 2, 'slow1 keeps parts 0 and 1 (copied, not replaced)')
    // a source without a known rate never takes a place
    picker.addSource('new', Bitfield.full(1), [], true)
    assert.equal(picker.nextWork('new'), undefined, 'every part has two copies: none for it')
  })

  it('lets a source without parts take a split chunk whole once nobody fetches its parts (its part sources left)', () => {
    const picker = new ChunkPicker(1, new Bitfield(1), { partable: ALL })
    picker.addSource('a', Bitfield.full(1), [], true)
    picker.addSource('b', Bitfield.full(1), [], true)
    assert.deepEqual(picker.nextWork('a'), { index: 0, part: 0 })
    picker.addSource('old', Bitfield.full(1))
    assert.equal(picker.nextWork('old', 1), undefined, 'its parts are being fetched')
    picker.removeSource('a')
    picker.removeSource('b')
    assert.deepEqual(picker.nextWork('old'), { index: 0 }, 'unclaimed again, taken whole')
    assert.deepEqual(picker.completed('old', 0), [])
  })
})

describe('PartAssembly', () => {
  const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251)
  const manifest = manifestOf(data, 262_144)

  function partOf (bytes: Uint8Array, part: number): Uint8Array {
    const { offset, length } = partRange(manifest, 0, part)
    return bytes.subarray(offset, offset + length)
  }

  it('cuts a chunk into equal parts and finds a part by its offset and length only where one starts', () => {
    assert.equal(partable(manifest, 0), true)
    assert.equal(partable(manifest, 1), false, 'the short last chunk stays whole')
    const ranges = Array.from({ length: PARTS_PER_CHUNK }, (_, p) => partRange(manifest, 0, p))
    assert.deepEqual(ranges.map(r => r.offset), [0, 65536, 131072, 196608])
    assert.equal(ranges.reduce((sum, r) => sum + r.length, 0), 262_144)
    assert.equal(partAt(manifest, 0, 65536, 65536), 1)
    assert.equal(partAt(manifest, 0, 65536, 100), undefined)
    assert.equal(partAt(manifest, 0, 1, 65536), undefined)
    assert.equal(partAt(manifest, 1, 0, 10), undefined)
  })

  it('joins the parts in order, whichever comes first', () => {
    const assembly = new PartAssembly(manifest)
    const chunk = data.subarray(0, 262_144)
    assert.equal(assembly.add('a', 0, 2, partOf(chunk, 2)), undefined)
    assert.equal(assembly.add('b', 0, 0, new Uint8ArrayList(partOf(chunk, 0))), undefined)
    assert.equal(assembly.add('a', 0, 3, partOf(chunk, 3)), undefined)
    const joined = assembly.add('b', 0, 1, partOf(chunk, 1))
    assert.ok(joined != null)
    assert.deepEqual(joined.from, ['b', 'b', 'a', 'a'])
    const bytes = joined.data instanceof Uint8Array ? joined.data : joined.data.subarray()
    assert.equal(createHash('sha256').update(bytes).digest('hex'), Buffer.from(manifest.chunkHashes[0]).toString('hex'))
  })

  it('blames the one sender of a bad join at once; of several, the ones whose parts differ from the copy that verifies', () => {
    const chunk = data.subarray(0, 262_144)
    const bad = Uint8Array.from(chunk)
    bad[70_000] ^= 1
    const one = new PartAssembly(manifest)
    let joined: JoinedChunk | undefined
    for (let part = 0; part < PARTS_PER_CHUNK; part++) joined = one.add('liar', 0, part, partOf(bad, part))
    assert.deepEqual(one.failed(0, joined as JoinedChunk), ['liar'])

    const several = new PartAssembly(manifest)
    const senders = ['honest', 'liar', 'honest', 'other']
    for (let part = 0; part < PARTS_PER_CHUNK; part++) joined = several.add(senders[part], 0, part, partOf(bad, part))
    assert.deepEqual(several.failed(0, joined as JoinedChunk), [], 'nobody yet: who lied is unknown')
    assert.deepEqual(several.verified(0, chunk), ['liar'], 'part 1 (bytes 65536 on) differs from the good copy')
    assert.deepEqual(several.verified(0, chunk), [], 'each failed join is judged once')
  })
})
