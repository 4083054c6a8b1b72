#!/usr/bin/env node
/** The `peershare` executable: runs the program on this process's arguments and sets the exit code */
import { processDeps } from './process-deps.js'
import { run } from './program.js'

// `peershare ls | head -1`: a closed stdout is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

process.exitCode = await run(process.argv.slice(2), processDeps())
