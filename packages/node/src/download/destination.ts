/** Where a download goes: the output the user named, or the file's (sanitised) name */
import { lstat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { FileMetadata } from '@peershare/protocol'
import { OutputExistsError } from '../errors.js'
import { mkdirForUser } from '../file-modes.js'

export interface DestinationOptions {
  /** destination file, or an existing directory to put the file in under its own name */
  output?: string
  /** directory for a relative `output`, or for the file when no `output` is given */
  cwd?: string
}

/** The destination path (its directory created if missing); fails if a file is there already */
export async function destinationPath (options: DestinationOptions, metadata: FileMetadata): Promise<string> {
  const base = options.cwd ?? process.cwd()
  let output = options.output == null ? join(base, metadata.name) : resolve(base, options.output)
  if ((await lstat(output).catch(() => undefined))?.isDirectory() === true) output = join(output, metadata.name)
  if (await lstat(output).then(() => true, () => false)) throw new OutputExistsError(`Output exists: ${output}`)
  await mkdirForUser(dirname(output))
  return output
}
