/** The terminal progress bar of `peershare get`: percentage, bytes, rate and ETA, on stderr */
import { createRequire } from 'node:module'
import type { ProgressDisplay, ProgressEvent } from './commands/get.js'
import { formatBytes, formatDuration, formatRate, routeNote, stallNote } from './format.js'

const require = createRequire(import.meta.url)

export function progressBar (stream: NodeJS.WritableStream = process.stderr): ProgressDisplay {
  // loaded only when a bar is drawn: other commands do not pay for it at start-up
  const cliProgress = require('cli-progress') as typeof import('cli-progress')
  const bar = new cliProgress.SingleBar({
    stream,
    // not {value}, {total} or {eta}: cli-progress fills those itself, from its own estimate
    format: '{name} {bar} {percentage}% | {bytesDone} / {bytesTotal} | {rate} | ETA {timeLeft} | {sources} source(s){stalled}',
    barsize: 24,
    clearOnComplete: true,
    hideCursor: false
  }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    update (event: ProgressEvent) {
      const payload = {
        name: event.name,
        bytesDone: formatBytes(event.bytesDone),
        bytesTotal: event.bytesTotal == null ? '?' : formatBytes(event.bytesTotal),
        rate: formatRate(event.rate),
        timeLeft: event.eta == null ? '?' : formatDuration(event.eta),
        sources: event.sources,
        stalled: event.state === 'stalled' ? ` | stalled: ${stallNote(event)}` : routeNote(event) === '' ? '' : ` | ${routeNote(event)}`
      }
      // an empty file would make the bar divide by zero; 1 of 1 reads as 100%; an unknown size 0 of 1
      const total = Math.max(event.bytesTotal ?? 1, 1)
      const value = event.bytesTotal == null ? 0 : event.bytesTotal === 0 ? 1 : event.bytesDone
      if (!started) {
        bar.start(total, value, payload)
        started = true
      } else {
        // a get by file id learns the size from the first source's manifest, after the bar began
        if (bar.getTotal() !== total) bar.setTotal(total)
        bar.update(value, payload)
      }
    },
    stop () {
      if (started) bar.stop()
    }
  }
}
