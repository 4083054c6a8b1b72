#!/usr/bin/env node
/** The `peershare` executable: runs the program on this process's arguments and sets the exit code */
import { processDeps } from './process-deps.js'
import { run } from './program.js'

/** How long the process may take to end by itself once its command returned */
const EXIT_GRACE_MS = 2000

// `peershare ls | head -1`: a closed stdout is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

process.exitCode = await run(process.argv.slice(2), processDeps())
// the command is over: whatever a library left open (a socket, a timer) must not keep the process alive
setTimeout(() => { process.exit() }, EXIT_GRACE_MS).unref()
