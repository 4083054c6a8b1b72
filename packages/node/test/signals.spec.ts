import assert from 'node:assert/strict'
import { sleep } from '../src/signals.js'

describe('signals', () => {
  it('sleep on a signal aborted already rejects at once: a run stopped as it begins its wait does not wait out its tick', async () => {
    // an hour: were it waited out, the test's own timeout fails it
    await assert.rejects(sleep(3_600_000, AbortSignal.abort()), { name: 'AbortedError' })
  })

  it('sleep rejects when its signal aborts during the wait, and resolves when it is not aborted', async () => {
    const controller = new AbortController()
    const waiting = sleep(3_600_000, controller.signal)
    controller.abort()
    await assert.rejects(waiting, { name: 'AbortedError' })
    await sleep(1, new AbortController().signal)
  })
})
