import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatRate, parseRate, parseSize } from '../src/units.js'

describe('parseRate', () => {
  it('reads unlimited, plain bytes, SI, binary and bare K/M/G units', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['unlimited', 0],
      ['None', 0],
      ['0 MiB/s', 0],
      ['1000', 1000],
      ['100B', 100],
      ['100 b/s', 100],
      ['8MiB', 8_388_608],
      ['8MiB/s', 8_388_608],
      ['8 mib/S', 8_388_608],
      ['1.5MB', 1_500_000],
      ['2kb', 2000],
      ['1GB/s', 1e9],
      ['1.5KiB', 1536],
      ['2GiB', 2 * 1024 ** 3],
      ['500k', 512_000],
      ['1M', 1_048_576],
      ['1g', 1024 ** 3],
      ['.5k', 512],
      ['  10 MB/s ', 10_000_000],
      ['1.2346KB', 1235]
    ]
    for (const [text, bytes] of cases) assert.equal(parseRate(text), bytes, text)
  })

  it('rejects anything else with InvalidRateError', () => {
    const bad = ['', ' ', '-1', '-1MB', 'NaN', 'Infinity', 'abc', '1TB', '1 XB', '1e3', '1.', '1..5M', '1MB/h', '/s', 'MB', '0.1', '0.0001KB', '9'.repeat(400), '10 MB/s extra']
    for (const text of bad) assert.throws(() => parseRate(text), { name: 'InvalidRateError' }, text)
  })

  it('has a stable error code for the control API', () => {
    assert.throws(() => parseRate('fast'), { code: 'ERR_INVALID_RATE' })
  })
})

describe('formatRate', () => {
  it('writes binary units with at most one decimal', () => {
    const cases: Array<[number, string]> = [
      [0, 'unlimited'],
      [100, '100 B/s'],
      [1023, '1023 B/s'],
      [1024, '1 KiB/s'],
      [512 * 1024, '512 KiB/s'],
      [1536 * 1024, '1.5 MiB/s'],
      [8 * 1024 * 1024, '8 MiB/s'],
      [1024 * 1024 - 1, '1 MiB/s'],
      [3 * 1024 ** 3, '3 GiB/s'],
      [5000 * 1024 ** 3, '5000 GiB/s']
    ]
    for (const [bytes, text] of cases) assert.equal(formatRate(bytes), text, String(bytes))
  })

  it('rejects a negative or non-finite rate', () => {
    for (const bytes of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => formatRate(bytes), { name: 'InvalidRateError' })
  })

  it('round-trips through parseRate within the rounding of one decimal', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (bytes) => {
      const back = parseRate(formatRate(bytes))
      // one decimal of a value >= 1 is off by at most 5 %
      assert.ok(Math.abs(back - bytes) <= bytes * 0.05 + 0.5, `${bytes} -> ${formatRate(bytes)} -> ${back}`)
      assert.equal(back === 0, bytes === 0)
    }))
  })

  it('is read back exactly from its own output', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 50 }), (bytes) => {
      const text = formatRate(bytes)
      assert.equal(formatRate(parseRate(text)), text)
    }))
  })
})

describe('parseSize', () => {
  it('reads bytes with SI, binary and bare K/M/G units', () => {
    for (const [text, bytes] of [['1024', 1024], ['700MB', 700e6], ['1.5GiB', 1.5 * 1024 ** 3], ['500k', 512_000], ['0', 0]] as Array<[string, number]>) {
      assert.equal(parseSize(text), bytes, text)
    }
  })

  it('refuses what is not a size', () => {
    for (const text of ['', 'big', '-1MB', '8MiB/s', 'unlimited', '1e9', '99999999999999999TB']) {
      assert.throws(() => parseSize(text), { name: 'InvalidSizeError' }, text)
    }
  })
})
