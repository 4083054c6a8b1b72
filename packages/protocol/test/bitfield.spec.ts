import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Bitfield } from '../src/index.js'

describe('Bitfield', () => {
  it('sets, clears and counts bits, most significant bit first', () => {
    const field = new Bitfield(10)
    field.set(0)
    field.set(9)
    field.set(9)
    assert.equal(field.count, 2)
    assert.deepEqual([...field.toBytes()], [0b10000000, 0b01000000])
    field.clear(0)
    assert.equal(field.has(0), false)
    assert.equal(field.count, 1)
    assert.deepEqual(field.missing(), [0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('ignores indices outside its length', () => {
    const field = new Bitfield(3)
    field.set(3)
    field.set(-1)
    assert.equal(field.count, 0)
    assert.equal(field.has(3), false)
  })

  it('round trips through bytes and knows when it is complete', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.nat(300)), (length, indices) => {
      const field = new Bitfield(length)
      for (const i of indices) field.set(i % Math.max(1, length))
      const back = Bitfield.decode(length, field.toBytes())
      assert.equal(back.count, field.count)
      for (let i = 0; i < length; i++) assert.equal(back.has(i), field.has(i))
    }))
    assert.equal(Bitfield.full(17).complete, true)
    assert.equal(new Bitfield(0).complete, true)
  })

  it('rejects a bitfield of the wrong size or with bits past its end', () => {
    assert.throws(() => Bitfield.decode(9, new Uint8Array(1)), { name: 'InvalidMessageError' })
    assert.throws(() => Bitfield.decode(9, Uint8Array.from([0, 0x01])), { name: 'InvalidMessageError' })
    assert.doesNotThrow(() => Bitfield.decode(9, Uint8Array.from([0xff, 0x80])))
  })
})
