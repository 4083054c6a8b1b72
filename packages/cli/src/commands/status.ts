/** `peershare status`: identity, addresses, both DHTs (mode, routing table), files, storage */
import type { DhtStatus } from '@peershare/node'
import type { CommandContext } from '../context.js'
import { formatBytes } from '../format.js'

export async function status (options: { json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const s = await client.status()
  if (options.json === true) {
    print(JSON.stringify(s))
    return
  }
  print(`peer id        ${s.peerId}`)
  s.addresses.forEach((a, i) => { print(`${i === 0 ? 'addresses     ' : '              '} ${a}`) })
  print(`connections    ${s.connections}`)
  print(`lan dht        ${dhtLine(s.dht.lan)}`)
  print(`public dht     ${dhtLine(s.dht.public)}`)
  print(`files          ${s.files}`)
  print(`storage used   ${formatBytes(s.storageBytes)}`)
  print(`serving        ${s.exchange.sessions} session(s)`)
}

function dhtLine (d: DhtStatus): string {
  return `${d.mode} mode, ${d.routingTableSize} peer(s) in routing table (${d.protocol})`
}
