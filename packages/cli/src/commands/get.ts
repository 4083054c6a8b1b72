/** `peershare get <ref> [--peer <multiaddr>]`: download a file, from a peer or from providers the DHT finds, verified */
import { lstat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type GetEvent, OutputExistsError } from '@peershare/node'
import { parseContentRef } from '@peershare/protocol'
import type { CommandContext } from '../context.js'
import { formatBytes } from '../format.js'
import { collectionAsProgress, collectionSaved } from './get-collection.js'

export type ProgressEvent = Extract<GetEvent, { type: 'progress' }>

/** Live progress for a person watching (a bar on a terminal) */
export interface ProgressDisplay {
  update(event: ProgressEvent): void
  /** removes the display; called once, after success or failure */
  stop(): void
}

export interface GetCommandOptions {
  /** file id or SHA-256 */
  ref: string
  /** multiaddrs of peers that have the file, ending in /p2p/<peer id>; without any, the DHT is asked */
  peer?: string[]
  /** destination file or existing directory, relative to the context's cwd */
  output?: string
  priority?: 'low' | 'normal' | 'high'
  /** start the download in the daemon and return at once */
  detach?: boolean
  json?: boolean
}

export interface GetContext extends CommandContext {
  /** makes a progress display; absent when nobody watches (not a terminal) */
  progress?: () => ProgressDisplay
}

export async function get (options: GetCommandOptions, { client, print, cwd, progress }: GetContext): Promise<void> {
  // both also checked by the daemon; checked here first so no daemon is needed to hear about them
  parseContentRef(options.ref)
  if (options.output != null) await checkOutput(resolve(cwd, options.output))

  const json = options.json === true
  const [peer, ...peers] = options.peer ?? []
  const request = {
    ref: options.ref,
    peer,
    ...(peers.length > 0 ? { peers } : {}),
    output: options.output,
    cwd,
    ...(options.priority == null ? {} : { priority: options.priority })
  }
  if (options.detach === true) {
    const started = await client.startDownload(request)
    print(json ? JSON.stringify(started) : `Downloading ${started.name} to ${started.output} in the daemon; follow it with \`peershare transfers\``)
    return
  }
  const display = json ? undefined : progress?.()
  const onEvent = (event: GetEvent): void => {
    if (json) print(JSON.stringify(event))
    else if (event.type === 'progress') display?.update(event)
    else if (event.type === 'collection-progress') display?.update(collectionAsProgress(event))
  }
  let done: Extract<GetEvent, { type: 'done' }>
  try {
    done = await client.get(request, onEvent)
  } finally {
    display?.stop()
  }
  if (json) return
  if ('collection' in done) print(collectionSaved(done))
  else print(`Saved ${done.file.name} (${formatBytes(done.file.size)}) to ${done.path}`)
}

/** An existing directory is fine (the file goes inside it); anything else existing is not */
async function checkOutput (path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined)
  if (info != null && !info.isDirectory()) throw new OutputExistsError(`Output exists: ${path}`)
}
