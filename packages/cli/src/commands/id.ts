/** `peershare id`: the running daemon's peer id and addresses */
import type { CommandContext } from '../context.js'

export interface IdOptions {
  json?: boolean
}

export async function id (options: IdOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const info = await client.id()
  if (options.json === true) {
    print(JSON.stringify(info))
    return
  }
  print(`peer id    ${info.peerId}`)
  print(`repo       ${info.repo}`)
  print(`version    ${info.version}`)
  if (info.addresses.length === 0) {
    print('addresses  (none)')
    return
  }
  info.addresses.forEach((address, i) => { print(`${i === 0 ? 'addresses ' : '          '} ${address}`) })
}
