/**
 * `peershare transfers`, `pause`, `resume`, `cancel`: the downloads running in the
 * daemon and their control. Downloads live in the daemon: a `get` that detaches (or
 * is interrupted) leaves its download running there.
 */
import type { TransferProgress } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatBytes, formatDuration, formatRate, formatTable, routeNote, stallNote } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'

type Context = Pick<CommandContext, 'client' | 'print'>

export async function transfers (options: { json?: boolean }, { client, print }: Context): Promise<void> {
  const list = await client.transfers()
  if (options.json === true) {
    print(JSON.stringify(list))
    return
  }
  if (list.length === 0) {
    print('No downloads')
    return
  }
  const rows = list.map(t => [
    t.fileId,
    t.state,
    percent(t),
    `${formatBytes(t.bytesDone)} / ${t.bytesTotal == null ? '?' : formatBytes(t.bytesTotal)}`,
    t.state === 'running' || t.state === 'stalled' ? formatRate(t.rate) : '',
    t.eta == null ? '?' : formatDuration(t.eta),
    String(t.sources),
    t.name + note(t)
  ])
  for (const line of formatTable(['FILE ID', 'STATE', 'DONE', 'BYTES', 'RATE', 'ETA', 'SOURCES', 'NAME'], rows, [2, 6])) print(line.trimEnd())
}

/** `fileId` may be any unique prefix: the daemon resolves it and answers with the full id */
export async function control (action: 'pause' | 'resume' | 'cancel', options: { fileId: string, json?: boolean }, { client, print }: Context): Promise<void> {
  checkIdPrefix(options.fileId)
  if (action === 'cancel') {
    const cancelled = await client.cancel(options.fileId)
    print(options.json === true ? JSON.stringify({ cancelled }) : `Cancelled ${cancelled}; its partial file is deleted`)
    return
  }
  const progress = action === 'pause' ? await client.pause(options.fileId) : await client.resume(options.fileId)
  print(options.json === true ? JSON.stringify(progress) : `${progress.name}: ${progress.state}, ${percent(progress)} done${note(progress)}`)
}

/** "42%", or "?" while the size is unknown (no source has answered yet) */
function percent (t: Pick<TransferProgress, 'bytesDone' | 'bytesTotal'>): string {
  if (t.bytesTotal == null) return '?'
  return `${t.bytesTotal === 0 ? 100 : Math.floor((t.bytesDone * 100) / t.bytesTotal)}%`
}

/** Why a download waits or failed, after its name */
function note (t: Pick<TransferProgress, 'state' | 'sourceStats' | 'stallReason' | 'stallMessage' | 'nextLookIn' | 'error'>): string {
  if (t.stallReason != null) return `  (${stallNote(t)})`
  if (t.error != null) return `  (${t.error.message})`
  const route = routeNote(t)
  return route === '' ? '' : `  (${route})`
}
