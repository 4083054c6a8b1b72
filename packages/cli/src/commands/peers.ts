/** `peershare peers`: connected peers with their addresses and latency */
import type { CommandContext } from '../context.js'
import { formatTable } from '../format.js'

export async function peers (options: { json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const list = await client.peers()
  if (options.json === true) {
    print(JSON.stringify(list))
    return
  }
  if (list.length === 0) {
    // status says why (the bootstrap peers it tried, and what each answered): a daemon given --bootstrap was told to add one
    print('Not connected to any peer (`peershare status` says why): add one with `peershare swarm connect <multiaddr>`, or give the daemon --bootstrap peers')
    return
  }
  const rows = list.map(p => [p.peerId, p.latencyMs == null ? '?' : `${p.latencyMs} ms`, p.addresses.join(' ')])
  for (const line of formatTable(['PEER ID', 'LATENCY', 'ADDRESSES'], rows, [1])) print(line.trimEnd())
}
