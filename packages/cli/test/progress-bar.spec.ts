import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { progressBar } from '../src/progress-bar.js'
import { progressEvent, stalledEvent } from './fakes.js'

/** A stream that says it is a terminal and keeps what is written to it */
function fakeTerminal (): { stream: NodeJS.WritableStream, text: () => string } {
  const parts: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { parts.push(String(chunk)); done() } })
  Object.assign(stream, { isTTY: true, columns: 120 })
  return { stream, text: () => parts.join('') }
}

describe('progress bar', () => {
  it('shows percentage, bytes, rate and ETA, and clears itself when stopped', () => {
    const term = fakeTerminal()
    const bar = progressBar(term.stream)
    bar.update(progressEvent(1024 * 1024, 4 * 1024 * 1024))
    bar.stop()
    const text = term.text()
    assert.match(text, /25%/)
    assert.match(text, /1\.0 MiB \/ 4\.0 MiB/)
    assert.match(text, /1\.0 MiB\/s/)
    assert.match(text, /ETA 3s/)
  })

  it('shows an empty file as complete', () => {
    const term = fakeTerminal()
    const bar = progressBar(term.stream)
    bar.update(progressEvent(0, 0))
    bar.stop()
    assert.match(term.text(), /100%/)
  })

  it('shows a stalled download with its reason, an unknown size and ETA', () => {
    const term = fakeTerminal()
    const bar = progressBar(term.stream)
    bar.update(stalledEvent())
    bar.stop()
    const text = term.text()
    assert.match(text, /0 B \/ \?/)
    assert.match(text, /ETA \?/)
    assert.match(text, /stalled: providers unreachable/)
  })

  it('follows the size once it is known: a get by file id starts without one', () => {
    const term = fakeTerminal()
    const bar = progressBar(term.stream)
    // bytes already in, size not yet known: no share of an unknown whole is shown as done
    bar.update(progressEvent(32 * 1024 * 1024, null))
    bar.update(progressEvent(50 * 1024 * 1024, 200 * 1024 * 1024))
    bar.stop()
    const text = term.text()
    assert.doesNotMatch(text, /100%/)
    assert.match(text, /25%/)
    assert.match(text, /50\.0 MiB \/ 200\.0 MiB/)
  })

  it('writes nothing when stopped before any progress', () => {
    const term = fakeTerminal()
    progressBar(term.stream).stop()
    assert.equal(term.text(), '')
  })
})
