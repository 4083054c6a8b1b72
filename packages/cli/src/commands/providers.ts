/** `peershare providers <file-id | sha256 | collection-id>`: the peers that have a file, printed as the DHT finds them */
import { parseContentRef } from '@peershare/protocol'
import type { CommandContext } from '../context.js'

export interface ProvidersOptions {
  ref: string
  /** seconds to keep looking */
  timeout?: number
  json?: boolean
}

export async function providers (options: ProvidersOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  parseContentRef(options.ref)
  const json = options.json === true
  const count = await client.providers({ ref: options.ref, timeout: options.timeout == null ? undefined : options.timeout * 1000 }, (p) => {
    if (json) {
      print(JSON.stringify(p))
      return
    }
    print(`${p.peerId}${p.fileId == null ? '' : `  file id ${p.fileId}`}`)
    for (const addr of p.addresses) print(`  ${addr}`)
  })
  if (!json) print(count === 0 ? 'No providers found' : `${count} provider(s)`)
}
