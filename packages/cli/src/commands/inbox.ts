/** `peershare inbox`: files shared with this node (grants received): sender, name, size; `get <file-id>` downloads one */
import type { CommandContext } from '../context.js'
import { formatBytes, formatTable } from '../format.js'

export async function inbox (options: { json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const entries = await client.inbox()
  if (options.json === true) {
    print(JSON.stringify(entries))
    return
  }
  if (entries.length === 0) {
    print('Nothing shared with this node yet')
    return
  }
  const rows = entries.map(e => [e.name, formatBytes(e.plaintextSize), e.from, new Date(e.received).toISOString().slice(0, 16).replace('T', ' '), e.downloaded ? 'yes' : 'no', e.fileId])
  for (const line of formatTable(['NAME', 'SIZE', 'FROM', 'RECEIVED', 'HAVE', 'FILE ID'], rows, [1])) print(line.trimEnd())
  print(`${entries.length} file(s) shared with this node; \`peershare get <file-id>\` downloads one`)
}
