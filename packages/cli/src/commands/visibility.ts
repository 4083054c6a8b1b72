/** `peershare visibility <file-id> <level>`: change who a local file is served to (at once: serving, DHT, offer) */
import type { FileVisibility } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { checkIdPrefix } from './id-prefix.js'

export async function visibility (options: { fileId: string, visibility: FileVisibility, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const changed = await client.setVisibility(options.fileId, options.visibility)
  print(options.json === true ? JSON.stringify(changed) : `${changed.fileId} is ${changed.visibility}`)
}
