/** `peershare swarm connect <multiaddr>`: dial a peer */
import { multiaddr } from '@multiformats/multiaddr'
import { BadRequestError } from '@peershare/client'
import type { CommandContext } from '../context.js'

export async function swarmConnect (options: { addr: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  try {
    multiaddr(options.addr)
  } catch {
    throw new BadRequestError(`Not a multiaddr: ${options.addr}`)
  }
  const peerId = await client.connect(options.addr)
  print(options.json === true ? JSON.stringify({ peerId }) : `Connected to ${peerId}`)
}
