/** `peershare rm <file-id | collection-id>`: stop sharing a file or collection and forget it (a downloaded file stays on disk); any unique prefix of the id does */
import type { CommandContext } from '../context.js'
import { checkIdPrefix } from './id-prefix.js'

export async function rm (options: { fileId: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const removed = await client.remove(options.fileId)
  print(options.json === true ? JSON.stringify({ removed }) : `Removed ${removed}`)
}
