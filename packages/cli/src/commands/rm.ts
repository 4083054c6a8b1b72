/** `peershare rm <file-id | collection-id>`: stop sharing a file or collection and forget it (a downloaded file stays on disk) */
import { InvalidFileIdError, parseContentRef } from '@peershare/protocol'
import type { CommandContext } from '../context.js'

export async function rm (options: { fileId: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (parseContentRef(options.fileId).kind === 'sha256') throw new InvalidFileIdError('rm takes a file id or a collection id')
  await client.remove(options.fileId)
  print(options.json === true ? JSON.stringify({ removed: options.fileId }) : `Removed ${options.fileId}`)
}
