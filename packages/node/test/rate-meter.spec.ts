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

  it('sparse: chunks further apart than the window still give a rate (a 300 KiB/s download showed 0 B/s and no ETA throughout), and it falls to 0 once overdue', async () => {
    const clock = new FakeClock()
    const meter = new RateMeter(3000, () => clock.now(), true)
    const plain = new RateMeter(3000, () => clock.now())
    const chunk = 1024 * 1024
    let plainMax = 0
    for (let i = 0; i < 4; i++) {
      meter.add(chunk)
      plain.add(chunk)
      // asked every 250 ms, as a download's progress is
      for (let t = 0; t < 3400; t += 200) {
        plainMax = Math.max(plainMax, plain.rate)
        await clock.advance(200)
      }
    }
    meter.add(chunk)
    plain.add(chunk)
    // one chunk every 3.4 s: about 300 KiB/s, where the window alone never holds two samples
    assert.equal(Math.max(plainMax, plain.rate), 0, 'the plain meter read 0 throughout')
    assert.ok(Math.abs(meter.rate - (chunk * 1000) / 3400) < 1, `right after a chunk: ${meter.rate}`)
    await clock.advance(2000)
    const between = meter.rate
    assert.ok(between > 0 && between < (chunk * 1000) / 3400, `between chunks it decays: ${between}`)
    // nothing for longer than the window and the gap: stalled
    await clock.advance(1500)
    assert.equal(meter.rate, 0)
  })

  it('sparse: a flowing download reads as the plain meter does, and stalls to 0 within the window', async () => {
    const clock = new FakeClock()
    const meter = new RateMeter(3000, () => clock.now(), true)
    for (let i = 0; i < 30; i++) {
      meter.add(10_000)
      await clock.advance(100)
    }
    assert.ok(meter.rate > 90_000 && meter.rate < 100_000, `flowing at ${meter.rate}`)
    await clock.advance(3100)
    assert.equal(meter.rate, 0, 'nothing for longer than the window (the gap was 100 ms)')
  })

  it('sparse: a sample after a pause of minutes is not a rate yet (the baseline from before it made a resumed download read slow), and it stalls to 0 within the window again', async () => {
    const clock = new FakeClock()
    const meter = new RateMeter(3000, () => clock.now(), true)
    for (let i = 0; i < 10; i++) {
      meter.add(100_000)
      await clock.advance(100)
    }
    await clock.advance(10 * 60_000)
    meter.add(100_000)
    assert.equal(meter.rate, 0, 'one sample after the pause')
    await clock.advance(100)
    meter.add(100_000)
    assert.equal(meter.rate, 1_000_000, 'the next one: the rate since the first after the pause')
    await clock.advance(3100)
    assert.equal(meter.rate, 0, 'stalled again: 0 within the window (the pause is not the gap)')
  })
})
