/** `peershare share <path...>`: hash a file and share it where it is, or a copy (`--copy`) (print its file id and a ticket), or a folder or several paths as a collection */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type CollectionShareResult, type FileVisibility, PathNotFoundError, type ShareResult } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatSize } from '../format.js'
import { replicationLines } from './replicate.js'

export interface ShareCommandOptions {
  /** the file to share, relative to the context's cwd */
  path?: string
  /** several files or folders, shared together as one collection */
  paths?: string[]
  tags?: string[]
  description?: string
  /** one of the offer categories (checked by the program's option parser) */
  category?: string
  /** an image to show for the file or collection, relative to the context's cwd */
  thumbnail?: string
  /** encrypt the file for these peers (peer ids) */
  to?: string[]
  /** public, contacts or private (checked by the program's option parser) */
  visibility?: FileVisibility
  /** keep it alive on `<min>[:<max>]` peers; 'default': config `replication.replicas` */
  replicas?: string
  /** keep a private copy in the repo instead of serving the file where it is */
  copy?: boolean
  json?: boolean
}

export async function share (options: ShareCommandOptions, { client, print, cwd }: CommandContext): Promise<void> {
  const paths = (options.paths ?? (options.path == null ? [] : [options.path])).map(p => resolve(cwd, p))
  // checked here too so the user hears about a typo without needing a daemon
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => err)
    if (info instanceof Error) {
      if (info.code === 'ENOENT' || info.code === 'ENOTDIR') throw new PathNotFoundError(`No such file or directory: ${path}`)
      continue // the daemon names the problem (a permission, say) with its code
    }
    if (!info.isFile() && !info.isDirectory()) throw new PathNotFoundError(`Not a regular file or directory: ${path}`)
  }

  const thumbnail = options.thumbnail == null ? undefined : resolve(cwd, options.thumbnail)
  if (thumbnail != null && !(await stat(thumbnail).then(s => s.isFile(), () => false))) throw new PathNotFoundError(`No such image for the thumbnail: ${thumbnail}`)

  const request = paths.length === 1 ? { path: paths[0] } : { paths }
  const extra = { ...(options.category == null ? {} : { category: options.category }), ...(thumbnail == null ? {} : { thumbnail }), ...(options.to == null ? {} : { to: options.to }), ...(options.visibility == null ? {} : { visibility: options.visibility }), ...(options.replicas == null ? {} : { replicas: options.replicas }), ...(options.copy === true ? { copy: true } : {}) }
  const shared = await client.share({ ...request, tags: options.tags, description: options.description, ...extra })
  if (options.json === true) {
    print(JSON.stringify(shared))
    return
  }
  if ('collectionId' in shared) printCollection(shared, print)
  else printFile(shared, print)
  if (options.replicas != null && !('collectionId' in shared)) replicationLines(await client.replication(shared.fileId)).slice(1).forEach(print)
}

function printFile (file: ShareResult, print: CommandContext['print']): void {
  print(`file id  ${file.fileId}`)
  print(`name     ${file.name}`)
  print(`size     ${formatSize(file.size)}`)
  print(`type     ${file.mimeType} (${file.category})`)
  print(`sha256   ${file.sha256}`)
  if (file.path != null) print(`served   from ${file.path} (in place: do not move or edit it; --copy keeps a copy)`)
  if (file.encrypted === true) print('         encrypted: peers see its id, size and chunks, not its name, type or content')
  if (file.thumbnail != null) print(`thumb    ${file.thumbnail}`)
  if (file.visibility != null) print(`visible  ${file.visibility}`)
  print(`ticket   ${file.ticket}`)
}

function printCollection (collection: CollectionShareResult, print: CommandContext['print']): void {
  print(`collection id  ${collection.collectionId}`)
  print(`name           ${collection.name}`)
  print(`files          ${collection.files}${collection.directories > 0 ? ` (and ${collection.directories} empty folders)` : ''}`)
  print(`size           ${formatSize(collection.size)}`)
  print(`category       ${collection.category}`)
  if (collection.thumbnail != null) print(`thumbnail      ${collection.thumbnail}`)
  print(`ticket         ${collection.ticket}`)
  for (const path of collection.skipped ?? []) print(`skipped        ${path} (not a regular file or folder: symlinks are not followed)`)
}
