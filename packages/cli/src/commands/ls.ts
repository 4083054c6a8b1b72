/** `peershare ls`: the files this node has (shared or downloaded) */
import type { FileInfo } from '@peershare/node'
import type { CommandContext } from '../context.js'
import { formatBytes, formatTable } from '../format.js'

export interface LsOptions {
  json?: boolean
}

export async function ls (options: LsOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const files = await client.files()
  if (options.json === true) {
    print(JSON.stringify(files))
    return
  }
  if (files.length === 0) {
    print('No files yet: share one with `peershare share <path>`')
    return
  }
  const rows = files.map(f => [f.fileId, formatBytes(f.size), f.name + statusNote(f.status), f.tags.join(',')])
  for (const line of formatTable(['FILE ID', 'SIZE', 'NAME', 'TAGS'], rows, [1])) print(line.trimEnd())
}

/** A downloaded file changed or deleted on disk is not served: say so beside its name */
function statusNote (status: FileInfo['status']): string {
  return status === 'ok' || status == null ? '' : `  (${status}, not served)`
}
