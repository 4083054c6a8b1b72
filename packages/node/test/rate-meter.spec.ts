import assert from 'node:assert/strict'
import { RateMeter } from '../src/download/rate-meter.js'
import { FakeClock } from './fake-clock.js'

describe('RateMeter', () => {
  it('measures bytes per second over its window', async () => {
    const clock = new FakeClock()
    const meter = new RateMeter(3000, () => clock.now())
    assert.equal(meter.rate, 0, 'nothing yet')
    for (let i = 0; i < 10; i++) {
      meter.add(1000)
      await clock.advance(100)
    }
    // 9 samples after the first, 9,000 bytes over 1,000 ms (the first sample is the baseline)
    assert.equal(meter.rate, 9000)
  })

  it('decays to 0 when nothing arrives, without new samples', async () => {
    const clock = new FakeClock()
    const meter = new RateMeter(3000, () => clock.now())
    for (let i = 0; i < 30; i++) {
      meter.add(10_000)
      await clock.advance(100)
    }
    const flowing = meter.rate
    assert.ok(flowing > 90_000, `flowing at ${flowing}`)
    await clock.advance(1500)
    const slowing = meter.rate
    assert.ok(slowing > 0 && slowing < flowing, `decaying: ${slowing}`)
    await clock.advance(1600)
    assert.equal(meter.rate, 0, 'nothing within the window: 0')
    meter.add(10_000)
    assert.equal(meter.rate, 0, 'one sample after a stall is not a rate yet')
    await clock.advance(500)
    meter.add(10_000)
    assert.equal(meter.rate, 20_000)
  })
})
