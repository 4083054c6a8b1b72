/** `peershare ticket <file-id>`: a fresh ticket for a local file, with the node's current addresses */
import type { CommandContext } from '../context.js'
import { checkIdPrefix } from './id-prefix.js'

export async function ticket (options: { fileId: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const info = await client.ticket(options.fileId)
  // the ticket alone on stdout, so `$(peershare ticket <id>)` is the ticket
  print(options.json === true ? JSON.stringify(info) : info.ticket)
}
