#!/usr/bin/env node
/**
 * The `peershare` command. peershare runs on Node.js 24 (libp2p needs at least 22).
 * On a `node` that new, this file runs the CLI in its own process. On an older one it
 * runs the command again on the project's own Node.js (the `node` devDependency,
 * installed by `npm ci`), passing the arguments, stdio, signals and the exit status
 * through. `peershare daemon` runs with the Node flags of daemon-process.js: on a new
 * enough `node` this process becomes the daemon with them (process.execve, same pid);
 * without execve (Windows) it runs here without them.
 * Plain JavaScript without dependencies, so any Node.js can start it.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandOf, daemonNodeFlags } from './daemon-process.js'

const WANTED_MAJOR = 24
const NEEDED_MAJOR = 22
const CLI = fileURLToPath(new URL('../dist/src/bin.js', import.meta.url))

const major = Number(process.versions.node.split('.')[0])
const projectNode = major < WANTED_MAJOR ? findProjectNode() : undefined
const args = process.argv.slice(2)
// a client command starts no node: it runs as it is, without a second start of Node
const daemon = commandOf(args) === 'daemon'

const nodeFlags = daemon ? daemonNodeFlags() : []

if (projectNode != null) {
  runOn(projectNode, nodeFlags)
} else if (major >= NEEDED_MAJOR && nodeFlags.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...nodeFlags, CLI, ...args], process.env)
} else if (major >= NEEDED_MAJOR) {
  await import('../dist/src/bin.js')
} else {
  process.stderr.write(`peershare: needs Node.js ${WANTED_MAJOR} (this is ${process.version}); run \`npm ci\` in the peershare repository to install it there\n`)
  process.exitCode = 1
}

/** The `node` devDependency's binary, from the node_modules this file is installed in */
function findProjectNode () {
  try {
    const pkg = createRequire(import.meta.url).resolve('node/package.json')
    const bin = join(dirname(pkg), 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

/**
 * Runs the CLI on `node` with `nodeFlags`, and ends as it ends. The child gets
 * its own process group, so a Ctrl+C reaches it once, through us, as a signal sent to us does: it stops cleanly
 * on the first and hard on a second, as when run directly.
 */
function runOn (node, nodeFlags) {
  const child = spawn(node, [...nodeFlags, CLI, ...args], { stdio: 'inherit', detached: process.platform !== 'win32' })
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, () => { child.kill(signal) })
  // Ctrl+Z and fg: the child stops and continues with us, as one process would
  process.on('SIGTSTP', () => {
    child.kill('SIGSTOP')
    process.kill(process.pid, 'SIGSTOP')
  })
  process.on('SIGCONT', () => { child.kill('SIGCONT') })
  child.once('error', (err) => {
    process.stderr.write(`peershare: cannot start ${node}: ${err.message}\n`)
    process.exit(1)
  })
  child.once('exit', (code, signal) => {
    if (signal == null) process.exit(code ?? 1)
    // end the way the child did, so a caller sees the same signal
    for (const s of signals) process.removeAllListeners(s)
    process.kill(process.pid, signal)
  })
}
