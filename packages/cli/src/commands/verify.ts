/**
 * `peershare verify [file-id]`: hash every chunk of the local files (or of one) against
 * their manifests. A file that fails is marked damaged, no longer served nor provided,
 * and fetched again from other providers when it is a shared file in the repo.
 */
import { shellQuote, type VerifiedFileInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { VerifyFailedError } from '../errors.js'
import { formatBytes, formatTable } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'

export interface VerifyOptions {
  fileId?: string
  json?: boolean
}

export async function verify (options: VerifyOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (options.fileId != null) checkIdPrefix(options.fileId)
  const files = await client.verify(options.fileId)
  const bad = files.filter(f => f.status !== 'ok')
  if (options.json === true) print(JSON.stringify(files))
  else if (files.length === 0) print('No files to verify')
  else report(files, bad, print)
  // like `sha256sum -c`: a file not ok fails the command, after the report
  if (bad.length > 0) throw new VerifyFailedError(`${bad.length} of ${files.length} file(s) not ok`)
}

function report (files: VerifiedFileInfo[], bad: VerifiedFileInfo[], print: (line: string) => void): void {
  const rows = files.map(f => [f.fileId, formatBytes(f.size), f.status, f.name + note(f)])
  for (const line of formatTable(['FILE ID', 'SIZE', 'STATUS', 'NAME'], rows, [1])) print(line.trimEnd())
  print(bad.length === 0 ? `${files.length} checked, all ok` : `${files.length} checked: ${files.length - bad.length} ok, ${bad.length} not ok, no longer served:`)
  for (const file of bad) print(`  ${file.name}: ${whatNext(file)}`)
}

/**
 * What becomes of a file not ok: a copy in the repo is fetched again by itself; a file
 * outside it (shared in place, or a download's output) is the user's to put back or share again
 */
function whatNext (file: VerifiedFileInfo): string {
  // an encrypted file's path is its decrypted copy: what was checked is the ciphertext in the repo
  if (file.path == null || file.encrypted === true) return 'fetched again from other providers; ok once it arrives'
  return `put ${file.path} back as it was, or share it again as it is now: peershare share ${shellQuote(file.path)}`
}

/** Which chunks failed, when some did */
function note (file: VerifiedFileInfo): string {
  const chunks = file.damagedChunks
  if (chunks.length === 0) return ''
  const shown = chunks.slice(0, 8).join(', ')
  return `  (chunk${chunks.length === 1 ? '' : 's'} ${shown}${chunks.length > 8 ? ` and ${chunks.length - 8} more` : ''} failed)`
}
