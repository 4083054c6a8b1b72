/** `peershare rm <file-id>`: stop sharing a file and forget it (a downloaded file stays on disk) */
import { parseFileId } from '@peershare/protocol'
import type { CommandContext } from '../context.js'

export async function rm (options: { fileId: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  parseFileId(options.fileId)
  await client.remove(options.fileId)
  print(options.json === true ? JSON.stringify({ removed: options.fileId }) : `Removed ${options.fileId}`)
}
