import assert from 'node:assert/strict'
import { Bitfield } from '@peershare/protocol'
import { ChunkPicker } from '../src/download/chunk-picker.js'

function have (length: number, indices: number[]): Bitfield {
  const field = new Bitfield(length)
  for (const i of indices) field.set(i)
  return field
}

describe('ChunkPicker', () => {
  it('picks the rarest chunk a source has, lowest index on ties', () => {
    const picker = new ChunkPicker(4, new Bitfield(4))
    picker.addSource('a', Bitfield.full(4))
    picker.addSource('b', have(4, [0, 1, 3]))
    // chunk 2 only a has: rarest
    assert.equal(picker.next('a'), 2)
    assert.equal(picker.next('a'), 0)
    assert.equal(picker.next('b'), 1)
  })

  it('never picks a chunk that is done or that the source lacks', () => {
    const picker = new ChunkPicker(3, have(3, [0]))
    picker.addSource('a', have(3, [0, 2]))
    assert.equal(picker.next('a'), 2)
    assert.equal(picker.useful('a'), true)
    picker.completed('a', 2)
    assert.equal(picker.next('a'), undefined)
    assert.equal(picker.useful('a'), false)
  })

  it('in the end game lets an idle source fetch a chunk in flight elsewhere, at most twice', () => {
    const picker = new ChunkPicker(1, new Bitfield(1))
    for (const s of ['a', 'b', 'c']) picker.addSource(s, Bitfield.full(1))
    assert.equal(picker.next('a'), 0)
    assert.equal(picker.next('b'), 0, 'b duplicates a')
    assert.equal(picker.next('c'), undefined, 'no third copy')
    assert.deepEqual(picker.completed('b', 0), ['a'], 'a is told to cancel')
    assert.equal(picker.inFlight('a'), 0)
  })

  it('in the end game takes the chunk expected last: deepest in the slowest source\'s queue', () => {
    const picker = new ChunkPicker(4, new Bitfield(4))
    for (const s of ['fast', 'slow', 'idle']) picker.addSource(s, Bitfield.full(4))
    const MiB = 1024 * 1024
    assert.equal(picker.next('fast', 8 * MiB), 0)
    assert.equal(picker.next('slow', 2 * MiB), 1)
    assert.equal(picker.next('slow', 2 * MiB), 2)
    assert.equal(picker.next('fast', 8 * MiB), 3)
    // chunk 2 is second in the queue of the slowest source: it arrives last
    assert.equal(picker.next('idle', 8 * MiB), 2)
    assert.equal(picker.next('idle', 8 * MiB), 1, 'then the slow source\'s first')
  })

  it('in the end game does not duplicate a chunk its holder brings sooner than this source could', () => {
    const picker = new ChunkPicker(2, new Bitfield(2))
    for (const s of ['fast', 'slow']) picker.addSource(s, Bitfield.full(2))
    const MiB = 1024 * 1024
    assert.equal(picker.next('fast', 16 * MiB), 0)
    assert.equal(picker.next('slow', 1 * MiB), 1)
    // the slow source would bring chunk 0 after the fast one: the duplicate slot stays free
    assert.equal(picker.next('slow', 1 * MiB), undefined)
    picker.addSource('other', Bitfield.full(2))
    assert.equal(picker.next('other', 16 * MiB), 1, 'a fast source still takes the slow one\'s chunk')
  })

  it('gives a departed source\'s chunks to others, and tracks rarity as sources come and go', () => {
    const picker = new ChunkPicker(2, new Bitfield(2))
    picker.addSource('a', Bitfield.full(2))
    assert.equal(picker.next('a'), 0)
    assert.equal(picker.next('a'), 1)
    picker.addSource('b', have(2, [0]))
    assert.deepEqual(picker.removeSource('a').sort(), [0, 1])
    assert.equal(picker.next('b'), 0)
    assert.equal(picker.next('b'), undefined, 'b lacks chunk 1')
    picker.sourceHas('b', 1)
    assert.equal(picker.next('b'), 1)
  })

  it('returns a released chunk to the pool', () => {
    const picker = new ChunkPicker(1, new Bitfield(1))
    picker.addSource('a', Bitfield.full(1))
    picker.addSource('b', Bitfield.full(1))
    assert.equal(picker.next('a'), 0)
    picker.release('a', 0)
    assert.equal(picker.inFlight('a'), 0)
    assert.equal(picker.next('b'), 0)
  })
})

describe('ChunkPicker in order (a download read as it arrives)', () => {
  it('gives each source the lowest missing chunk it has, not the rarest', () => {
    const picker = new ChunkPicker(6, have(6, [0]), { inOrder: true })
    picker.addSource('a', Bitfield.full(6))
    picker.addSource('b', have(6, [1, 2, 5]))
    // chunk 3 and 4 only a has (rarest), yet a takes 1 first: the prefix must grow
    assert.equal(picker.next('a'), 1)
    assert.equal(picker.next('b'), 2)
    assert.equal(picker.next('a'), 3)
    assert.equal(picker.next('b'), 5)
    picker.release('a', 1)
    assert.equal(picker.next('b'), 1, 'a released chunk is the next needed')
  })

  it('without the option stays rarest first', () => {
    const picker = new ChunkPicker(3, new Bitfield(3))
    picker.addSource('a', Bitfield.full(3))
    picker.addSource('b', have(3, [0, 1]))
    assert.equal(picker.next('a'), 2)
  })
})
