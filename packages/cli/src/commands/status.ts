/** `peershare status`: identity, addresses, DHT mode and routing table, files, storage */
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
  print(`dht            ${s.dht.mode} mode, ${s.dht.routingTableSize} peers in routing table (${s.dht.protocol})`)
  print(`files          ${s.files}`)
  print(`storage used   ${formatBytes(s.storageBytes)}`)
  print(`serving        ${s.exchange.sessions} session(s)`)
}
