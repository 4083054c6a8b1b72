/**
 * Runs of nodes listening on WebRTC-direct only, in a child process, each printing what
 * it found as one JSON line once its nodes have stopped:
 *   webrtc-direct-run.js addresses <repo>   a node on <repo> starts; its addresses
 *   webrtc-direct-run.js transfer <dir>     one node shares a file, another gets it over WebRTC-direct
 *
 * node-datachannel (under WebRTC-direct) crashed whole test processes at exit or on
 * cleanup now and then (SIGSEGV, SIGABRT; see test/src/forging-search-peer.ts), which
 * takes every other spec's results with it. CI runs ended so (SIGSEGV) right after the
 * WebRTC-direct certificate test, which starts and stops seven such nodes, and right after
 * the WebRTC-direct transfer test: both run their nodes here.
 */
import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PeershareNode } from '../src/index.js'
import { randomFile, sha256File, startTestNode } from './fixtures.js'

const LISTEN = ['/ip4/127.0.0.1/udp/0/webrtc-direct']

/** The addresses a node on `repo` listening on WebRTC-direct had, from a run in a child process */
export async function webRTCDirectRun (repo: string): Promise<string[]> {
  return await runChild<string[]>('addresses', repo)
}

/** What a transfer over WebRTC-direct between two nodes in `dir` found */
export interface WebRTCDirectTransfer {
  /** the sharer's addresses */
  sharerAddresses: string[]
  /** SHA-256 of the file shared and of the file got */
  shared: string
  got: string
  /** remote addresses of the getter's connections to the sharer */
  connections: string[]
}

/** Shares a file on one node and gets it on another, both listening on WebRTC-direct only, in a child process */
export async function webRTCDirectTransfer (dir: string): Promise<WebRTCDirectTransfer> {
  return await runChild<WebRTCDirectTransfer>('transfer', dir)
}

/** Signals of a native crash (node-datachannel's), as opposed to a run that failed or hung */
const NATIVE_CRASHES = new Set(['SIGSEGV', 'SIGABRT'])

async function runChild<T> (mode: string, path: string, attempt = 1): Promise<T> {
  const { stdout, crash, nativeCrash } = await new Promise<{ stdout: string, crash?: string, nativeCrash?: string }>((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(import.meta.url), mode, path], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err == null) { resolve({ stdout }); return }
      // the result was printed once the nodes had stopped: a crash after that is the native library's at exit
      if (stdout.includes('\n')) resolve({ stdout, crash: String(err.signal ?? err.code) })
      else if (err.signal != null && NATIVE_CRASHES.has(err.signal)) resolve({ stdout, nativeCrash: err.signal })
      else reject(new Error(`the WebRTC-direct ${mode} run failed (${err.signal ?? err.code}): ${stderr.trim().split('\n').at(-1) ?? ''}`))
    })
  })
  if (nativeCrash != null) {
    // node-datachannel crashed the run before its result (once in a CI run of 2026-12-06, the
    // transfer, half an hour after a clean CI run of the same code): said, and run once more;
    // twice fails
    if (attempt > 1) throw new Error(`the WebRTC-direct ${mode} run crashed (${nativeCrash}) twice`)
    console.warn(`(the WebRTC-direct ${mode} run's process crashed with ${nativeCrash} before its result; running it again)`)
    // a transfer starts again in a folder of its own (the crashed one may have left a partial output); a repo is reused as a restart would
    const again = mode === 'transfer' ? join(path, 'again') : path
    await mkdir(again, { recursive: true })
    return await runChild<T>(mode, again, attempt + 1)
  }
  if (crash != null) console.warn(`(the WebRTC-direct ${mode} run's process ended with ${crash} after its nodes had stopped)`)
  return JSON.parse(stdout.split('\n')[0]) as T
}

async function addresses (repo: string): Promise<string[]> {
  const node = await PeershareNode.create({ repo, listen: LISTEN })
  await node.start()
  const found = node.addresses.map(String)
  await node.stop()
  return found
}

async function transfer (dir: string): Promise<WebRTCDirectTransfer> {
  const sharer = await startTestNode(join(dir, 'a'), { listen: LISTEN })
  const getter = await startTestNode(join(dir, 'b'), { listen: LISTEN })
  try {
    const addr = sharer.addresses.find(a => a.toString().includes('/webrtc-direct/'))
    if (addr == null) throw new Error(`the sharer has no WebRTC-direct address: ${sharer.addresses.join(' ')}`)
    const src = await randomFile(dir, 'small.bin', 300 * 1024 + 7)
    const { fileId } = await sharer.share(src)
    const out = join(dir, 'small.out')
    await getter.get(fileId, { from: addr, output: out })
    return {
      sharerAddresses: sharer.addresses.map(String),
      shared: await sha256File(src),
      got: await sha256File(out),
      connections: getter.libp2p.getConnections(sharer.peerId).map(c => c.remoteAddr.toString())
    }
  } finally {
    await getter.stop()
    await sharer.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, path] = process.argv.slice(2)
  const result = mode === 'transfer' ? await transfer(path) : await addresses(path)
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}
