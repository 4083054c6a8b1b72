/**
 * A WebTorrent 3 client in its own process, for the links scenario, that only ever
 * talks to the peers the bench names: no DHT, trackers, local discovery, PEX, UPnP,
 * NAT-PMP or uTP; TCP only. Roles:
 *   seeder <file> <torrent>  seeds the file (1 MiB pieces) and writes its .torrent
 *                            there; reports its TCP port (`addr`) once listening
 *   leecher <dir>            on 'fetch' (`cid`: the .torrent's path, `providers`:
 *                            host:port of each seeder), downloads into <dir>, timed
 *                            from the request to 'done' (every piece SHA-1 checked and
 *                            written); the file's SHA-256 is computed after timing
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { now, phase, RssSampler, receive, runWorker, send } from './worker-ipc.js'

const rss = new RssSampler()
/** the package has no types; it is a bench-only devDependency */
const WEBTORRENT = 'webtorrent'

const CLOSED = { dht: false, tracker: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, webSeeds: false }

async function createClient (): Promise<any> {
  const { default: WebTorrent } = await import(WEBTORRENT)
  const client = new WebTorrent({ ...CLOSED, torrentPort: 0 })
  client.on('error', (err: Error) => { throw err })
  if (!client.listening) await new Promise(resolve => client.once('listening', resolve))
  return client
}

runWorker(async ([role, a, b]) => {
  if (role === 'seeder') await seeder(a, b)
  else if (role === 'leecher') await leecher(a)
  else throw new Error(`unknown webtorrent role '${role}'`)
})

async function seeder (file: string, torrentPath: string): Promise<void> {
  const client = await createClient()
  try {
    const torrent: any = await new Promise(resolve => client.seed(file, { announce: [], pieceLength: 1024 * 1024 }, resolve))
    await writeFile(torrentPath, torrent.torrentFile)
    await phase.start()
    send({ type: 'ready', addr: String(client.torrentPort), fileId: torrent.infoHash })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
    await phase.stop()
  } finally {
    await new Promise(resolve => client.destroy(resolve))
  }
}

async function leecher (dir: string): Promise<void> {
  const client = await createClient()
  try {
    send({ type: 'ready' })
    const msg = await receive()
    if (msg.type !== 'fetch') throw new Error(`leecher expected 'fetch', got '${msg.type}'`)
    const torrentFile = await readFile(msg.cid)
    await phase.start()
    const start = now()
    const name: string = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${msg.timeoutMs / 1000} s`)), msg.timeoutMs)
      const torrent = client.add(torrentFile, { path: dir, announce: [] })
      const addPeers = (): void => { for (const p of msg.providers) torrent.addPeer(p) }
      if (torrent.infoHash != null) addPeers()
      else torrent.once('infoHash', addPeers)
      torrent.once('error', reject)
      torrent.once('done', () => { clearTimeout(timer); resolve(torrent.name) })
    })
    const seconds = (now() - start) / 1000
    await phase.stop()
    const hash = createHash('sha256')
    let bytes = 0
    for await (const piece of createReadStream(join(dir, name))) {
      hash.update(piece)
      bytes += piece.byteLength
    }
    send({ type: 'done', seconds, bytes, sha256: hash.digest('hex'), peakRss: rss.stop() })
    const stop = await receive()
    if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  } finally {
    await new Promise(resolve => client.destroy(resolve))
  }
}
