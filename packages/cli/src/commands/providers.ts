/**
 * `peershare providers <file-id | sha256 | collection-id>`: the peers that have a file,
 * printed as the DHTs find them, with addresses to dial (ending in /p2p/<peer id>); exit 1 when none
 */
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
  // finding nobody is an error the daemon reports (exit 1); count is at least 1 here
  if (!json) print(`${count} provider(s)`)
}
