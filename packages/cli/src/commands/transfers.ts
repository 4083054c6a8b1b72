/**
 * `peershare transfers`, `pause`, `resume`, `cancel`: the downloads running in the
 * daemon and their control. Downloads live in the daemon: a `get` that detaches (or
 * is interrupted) leaves its download running there.
 */
import type { TransferProgress } from '@peershare/client'
import { parseFileId } from '@peershare/protocol'
import type { CommandContext } from '../context.js'
import { formatBytes, formatDuration, formatRate, formatTable } from '../format.js'

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
    `${percent(t)}%`,
    `${formatBytes(t.bytesDone)} / ${formatBytes(t.bytesTotal)}`,
    t.state === 'running' ? formatRate(t.rate) : '',
    t.eta == null ? '--' : formatDuration(t.eta),
    String(t.sources),
    t.name + (t.error == null ? '' : `  (${t.error.message})`)
  ])
  for (const line of formatTable(['FILE ID', 'STATE', 'DONE', 'BYTES', 'RATE', 'ETA', 'SOURCES', 'NAME'], rows, [2, 6])) print(line.trimEnd())
}

export async function control (action: 'pause' | 'resume' | 'cancel', options: { fileId: string, json?: boolean }, { client, print }: Context): Promise<void> {
  parseFileId(options.fileId)
  if (action === 'cancel') {
    await client.cancel(options.fileId)
    print(options.json === true ? JSON.stringify({ cancelled: options.fileId }) : `Cancelled ${options.fileId}; its partial file is deleted`)
    return
  }
  const progress = action === 'pause' ? await client.pause(options.fileId) : await client.resume(options.fileId)
  print(options.json === true ? JSON.stringify(progress) : `${progress.name}: ${progress.state}, ${percent(progress)}% done`)
}

function percent (t: Pick<TransferProgress, 'bytesDone' | 'bytesTotal'>): number {
  return t.bytesTotal === 0 ? 100 : Math.floor((t.bytesDone * 100) / t.bytesTotal)
}
