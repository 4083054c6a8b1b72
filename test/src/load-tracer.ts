/**
 * Preloaded with `node --import` by a test: records the URL of every module the process
 * loads and writes them, one a line, to $PEERSHARE_TRACE_FILE when it exits.
 */
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const loaded: string[] = []
registerHooks({
  load (url, context, next) {
    loaded.push(url)
    return next(url, context)
  }
})
process.on('exit', () => {
  const file = process.env.PEERSHARE_TRACE_FILE
  if (file != null) writeFileSync(file, loaded.join('\n'))
})
