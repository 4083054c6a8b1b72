/**
 * One run of a node listening on WebRTC-direct only, in a child process: starts a node
 * on a repo, prints its addresses as one JSON line, stops it and exits.
 *
 * node-datachannel (under WebRTC-direct) crashed whole test processes at exit or on
 * cleanup now and then (SIGSEGV, SIGABRT; see test/src/forging-search-peer.ts), which
 * takes every other spec's results with it. A CI run ended so (SIGSEGV) right after the
 * WebRTC-direct certificate test, which starts and stops seven such nodes: it runs them
 * here (`webRTCDirectRun`).
 *   webrtc-direct-run.js <repo>
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { PeershareNode } from '../src/index.js'

/** The addresses a node on `repo` listening on WebRTC-direct had, from a run in a child process */
export async function webRTCDirectRun (repo: string): Promise<string[]> {
  const { stdout, crash } = await new Promise<{ stdout: string, crash?: string }>((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(import.meta.url), repo], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err == null) { resolve({ stdout }); return }
      // the addresses were printed once the node had stopped: a crash after that is the native library's at exit
      if (stdout.includes('\n')) resolve({ stdout, crash: String(err.signal ?? err.code) })
      else reject(new Error(`the WebRTC-direct node run failed (${err.signal ?? err.code}): ${stderr.trim().split('\n').at(-1) ?? ''}`))
    })
  })
  if (crash != null) console.warn(`(the WebRTC-direct node's process ended with ${crash} after it had stopped)`)
  return JSON.parse(stdout.split('\n')[0]) as string[]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const node = await PeershareNode.create({ repo: process.argv[2], listen: ['/ip4/127.0.0.1/udp/0/webrtc-direct'] })
  await node.start()
  const addresses = node.addresses.map(String)
  await node.stop()
  process.stdout.write(`${JSON.stringify(addresses)}\n`)
  process.exit(0)
}
