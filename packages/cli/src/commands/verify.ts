/**
 * `peershare verify [file-id]`: hash every chunk of the local files (or of one) against
 * their manifests. A file that fails is marked damaged, no longer served nor provided,
 * and fetched again from other providers when it is a shared file in the repo.
 */
import type { VerifiedFileInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatBytes, formatTable } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'

export interface VerifyOptions {
  fileId?: string
  json?: boolean
}

export async function verify (options: VerifyOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (options.fileId != null) checkIdPrefix(options.fileId)
  const files = await client.verify(options.fileId)
  if (options.json === true) {
    print(JSON.stringify(files))
    return
  }
  if (files.length === 0) {
    print('No files to verify')
    return
  }
  const rows = files.map(f => [f.fileId, formatBytes(f.size), f.status, f.name + note(f)])
  for (const line of formatTable(['FILE ID', 'SIZE', 'STATUS', 'NAME'], rows, [1])) print(line.trimEnd())
  const bad = files.filter(f => f.status !== 'ok').length
  print(bad === 0 ? `${files.length} verified, all ok` : `${files.length} verified, ${bad} not ok: not served (shared files are fetched again from other providers)`)
}

/** Which chunks failed, when some did */
function note (file: VerifiedFileInfo): string {
  const chunks = file.damagedChunks
  if (chunks.length === 0) return ''
  const shown = chunks.slice(0, 8).join(', ')
  return `  (chunk${chunks.length === 1 ? '' : 's'} ${shown}${chunks.length > 8 ? ` and ${chunks.length - 8} more` : ''} failed)`
}
