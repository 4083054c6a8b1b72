/** `peershare ls`: the collections and files this node has (shared or downloaded) */
import type { FileInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatBytes, formatTable } from '../format.js'

export interface LsOptions {
  json?: boolean
  /** thumbnails too (files of their own, hidden by default) */
  all?: boolean
  /** the replicas held for other peers instead (hidden otherwise) */
  replicas?: boolean
}

export async function ls (options: LsOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (options.replicas === true) {
    await lsReplicas(options, { client, print })
    return
  }
  const [files, collections] = await Promise.all([client.files(options.all === true ? { all: true } : {}), client.collections()])
  if (options.json === true) {
    // files as before; each collection after them, told apart by its collectionId
    print(JSON.stringify([...files, ...collections]))
    return
  }
  if (files.length === 0 && collections.length === 0) {
    print('No files yet: share one with `peershare share <path>`')
    return
  }
  if (collections.length > 0) {
    const rows = collections.map(c => [c.collectionId, String(c.files), formatBytes(c.size), c.category, c.name, c.tags.join(',')])
    for (const line of formatTable(['COLLECTION ID', 'FILES', 'SIZE', 'CATEGORY', 'NAME', 'TAGS'], rows, [1, 2])) print(line.trimEnd())
    if (files.length > 0) print('')
  }
  if (files.length > 0) {
    // the REPLICAS column (live/min:max) only once some file is kept alive by replication
    const replicated = files.some(f => f.replicas != null)
    const rows = files.map(f => [f.fileId, formatBytes(f.size), ...(replicated ? [replicasCell(f)] : []), f.category, f.name + statusNote(f) + visibilityNote(f) + thumbnailNote(f) + encryptedNote(f), f.tags.join(',')])
    const header = ['FILE ID', 'SIZE', ...(replicated ? ['REPLICAS'] : []), 'CATEGORY', 'NAME', 'TAGS']
    for (const line of formatTable(header, rows, [1])) print(line.trimEnd())
  }
}

/** live/min:max of a file kept alive by replication, '-' for one kept local */
function replicasCell (file: FileInfo): string {
  return file.replicas == null ? '-' : `${file.replicas.live}/${file.replicas.min}:${file.replicas.max}`
}

/** `ls --replicas`: what this node holds for other peers, against its quota */
async function lsReplicas (options: LsOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const held = await client.replicas()
  if (options.json === true) {
    print(JSON.stringify(held))
    return
  }
  print(`${formatBytes(held.usedBytes)} used of ${formatBytes(held.quotaBytes)} offered to other peers' replicas`)
  if (held.replicas.length === 0) return
  const rows = held.replicas.map(r => [r.fileId, formatBytes(r.size), r.state + (r.encrypted ? ' (encrypted, no key)' : ''), `${r.policy.min}:${r.policy.max}`, r.from])
  for (const line of formatTable(['FILE ID', 'SIZE', 'STATE', 'POLICY', 'FROM'], rows, [1])) print(line.trimEnd())
}

/** An encrypted file: held with its key (the sealed name shown) or without (named by its id) */
function encryptedNote (file: FileInfo): string {
  if (file.encrypted !== true) return ''
  return file.name === file.fileId ? '  (encrypted, no key)' : '  (encrypted)'
}

/** A file not public: say who it is served to */
function visibilityNote (file: FileInfo): string {
  return file.visibility == null || file.visibility === 'public' ? '' : `  (${file.visibility} only)`
}

/** `ls --all` lists thumbnails: say which is one */
function thumbnailNote (file: FileInfo): string {
  return file.thumbnailOf == null ? '' : '  (thumbnail)'
}

/** A file changed or deleted on disk is not served: say so beside its name, and why */
function statusNote (file: Pick<FileInfo, 'status' | 'reason'>): string {
  if (file.status === 'ok' || file.status == null) return ''
  return `  (${file.status}${file.reason == null ? '' : `: ${file.reason}`}; not served)`
}
