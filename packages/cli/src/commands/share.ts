/** `peershare share <path>`: hash and store a local file, print its file id and a ticket for it */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PathNotFoundError } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatBytes } from '../format.js'

export interface ShareCommandOptions {
  /** the file to share, relative to the context's cwd */
  path: string
  tags?: string[]
  description?: string
  json?: boolean
}

export async function share (options: ShareCommandOptions, { client, print, cwd }: CommandContext): Promise<void> {
  const path = resolve(cwd, options.path)
  // checked here too so the user hears about a typo without needing a daemon
  const info = await stat(path).catch(() => undefined)
  if (info == null) throw new PathNotFoundError(`No such file: ${path}`)
  if (!info.isFile()) throw new PathNotFoundError(`Not a regular file: ${path}`)

  const file = await client.share({ path, tags: options.tags, description: options.description })
  if (options.json === true) {
    print(JSON.stringify(file))
    return
  }
  print(`file id  ${file.fileId}`)
  print(`name     ${file.name}`)
  print(`size     ${formatBytes(file.size)} (${file.size} bytes)`)
  print(`sha256   ${file.sha256}`)
  print(`ticket   ${file.ticket}`)
}
