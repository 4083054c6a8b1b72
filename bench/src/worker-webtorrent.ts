/**
 * WebTorrent 3.x in its own process, seeders and one leecher over TCP on 127.0.0.1
 * (the single and links scenarios), with everything that would reach past the machine
 * off: no DHT, trackers, local service discovery, peer exchange, UPnP/NAT-PMP, uTP or
 * web seeds. Roles:
 *   seeder <file> [pieceLength]  seeds the file from where it is (hashing it first, not
 *                    timed), reports its port and the .torrent file (base64)
 *   leecher <dir>    on 'leech', adds the torrent with the given seeders as its only
 *                    peers and times add to every piece verified (SHA-1) and stored in
 *                    <dir>, and the file fsynced (what the other impls do before they report)
 * WebTorrent keeps its default protocol encryption setting (secure: 1, PE offered
 * with a plaintext fallback), as a user gets it.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import { phase, RssSampler, now, receive, runWorker, send } from './worker-ipc.js'
import { hashFile } from './random-file.js'

const rss = new RssSampler()

/** Nothing that announces, discovers or opens ports past 127.0.0.1 */
const CLIENT_OPTIONS = { dht: false, tracker: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, webSeeds: false }

runWorker(async ([role, path, pieceLength]) => {
  const client = new WebTorrent(CLIENT_OPTIONS)
  const failed = new Promise<never>((_resolve, reject) => client.on('error', reject))
  failed.catch(() => {})
  try {
    if (role === 'seeder') await Promise.race([seeder(client, path, pieceLength == null ? undefined : Number(pieceLength)), failed])
    else if (role === 'leecher') await Promise.race([leecher(client, path), failed])
    else throw new Error(`unknown webtorrent role '${role}'`)
  } finally {
    await new Promise<void>(resolve => client.destroy(() => resolve()))
  }
})

async function seeder (client: WebTorrent, file: string, pieceLength?: number): Promise<void> {
  const torrent = await new Promise<Torrent>(resolve => client.seed(file, { announce: [], ...(pieceLength == null ? {} : { pieceLength }) }, resolve))
  await listening(client)
  const port = client.address()?.port
  if (port == null || port === 0) throw new Error('seeder has no TCP port')
  await phase.start()
  send({ type: 'ready', addr: `127.0.0.1:${port}`, torrent: Buffer.from(torrent.torrentFile).toString('base64') })
  const stop = await receive()
  if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  await phase.stop()
}

async function listening (client: WebTorrent): Promise<void> {
  if (client.address() != null) return
  await new Promise(resolve => client.once('listening', resolve))
}

async function leecher (client: WebTorrent, dir: string): Promise<void> {
  send({ type: 'ready' })
  const msg = await receive()
  if (msg.type !== 'leech') throw new Error(`leecher expected 'leech', got '${msg.type}'`)
  await phase.start()
  const start = now()
  const torrent = client.add(Buffer.from(msg.torrent, 'base64'), { path: dir, announce: [] })
  let firstChunkSeconds: number | null = null
  torrent.once('verified', () => { firstChunkSeconds = (now() - start) / 1000 })
  const done = new Promise<void>((resolve, reject) => {
    torrent.once('done', resolve)
    torrent.once('error', reject)
    // addPeer needs the info hash, known once the .torrent is parsed (asynchronously)
    torrent.once('infoHash', () => {
      for (const addr of msg.addrs) if (!torrent.addPeer(addr)) reject(new Error(`leecher could not add peer ${addr}`))
    })
  })
  await done
  if (torrent.files.length !== 1) throw new Error(`expected one file in the torrent, got ${torrent.files.length}`)
  const output = join(torrent.path, torrent.files[0].path)
  await syncFile(output)
  const seconds = (now() - start) / 1000
  await phase.stop()
  // checked by the bench, after the timing
  const received = await hashFile(output)
  send({ type: 'done', seconds, firstChunkSeconds, ...received, peakRss: rss.stop(), atPeak: rss.atPeak })
  const stop = await receive()
  if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
}

async function syncFile (path: string): Promise<void> {
  const file = await open(path, 'r+')
  try {
    await file.sync()
  } finally {
    await file.close()
  }
}

