import assert from 'node:assert/strict'
import { formatBytes, formatDuration, formatRate, formatSize, formatTable } from '../src/format.js'

describe('format', () => {
  it('formats sizes in binary units with one decimal', () => {
    assert.equal(formatBytes(0), '0 B')
    assert.equal(formatBytes(1023), '1023 B')
    assert.equal(formatBytes(1024), '1.0 KiB')
    assert.equal(formatBytes(1536), '1.5 KiB')
    assert.equal(formatBytes(3 * 1024 * 1024 + 17), '3.0 MiB')
    assert.equal(formatBytes(1024 * 1024 - 1), '1.0 MiB')
    assert.equal(formatBytes(5 * 1024 ** 4), '5.0 TiB')
    assert.equal(formatBytes(-1), '?')
    assert.equal(formatBytes(Number.NaN), '?')
  })

  it('gives a size its exact byte count only where the unit rounds it ("1 B (1 bytes)" before)', () => {
    assert.equal(formatSize(1), '1 B')
    assert.equal(formatSize(1023), '1023 B')
    assert.equal(formatSize(3 * 1024 * 1024 + 17), '3.0 MiB (3145745 bytes)')
  })

  it('formats rates', () => {
    assert.equal(formatRate(0), '0 B/s')
    assert.equal(formatRate(12.6 * 1024 * 1024), '12.6 MiB/s')
  })

  it('formats durations', () => {
    assert.equal(formatDuration(0), '0s')
    assert.equal(formatDuration(42.4), '42s')
    assert.equal(formatDuration(187), '3m07s')
    assert.equal(formatDuration(7500), '2h05m')
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), '--')
    assert.equal(formatDuration(-1), '--')
  })

  it('aligns table columns, right-aligning the ones asked for, without trailing spaces', () => {
    const lines = formatTable(['ID', 'SIZE', 'NAME'], [['a', '1 B', 'x'], ['bbb', '10.0 KiB', 'longer']], [1])
    assert.deepEqual(lines, [
      'ID       SIZE  NAME',
      'a         1 B  x',
      'bbb  10.0 KiB  longer'
    ])
  })
})
