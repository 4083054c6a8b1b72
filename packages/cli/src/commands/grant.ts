/**
 * `peershare grant <file-id> <peer>...`: give peers a local file's key (an encrypted
 * file) or the permission to fetch it (a private or contacts file); each grant is
 * pushed now, or kept and retried until the peer is reachable.
 * `peershare revoke <file-id> <peer>`: stop serving that grant (a key already received
 * stays with the peer).
 */
import type { GrantInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatTable } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'

export async function grant (options: { fileId: string, peers: string[], json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const grants = await client.grant(options.fileId, options.peers)
  if (options.json === true) {
    print(JSON.stringify(grants))
    return
  }
  const rows = grants.map(g => [g.peer, g.kind, stateText(g)])
  for (const line of formatTable(['PEER', 'GRANT', 'STATE'], rows)) print(line.trimEnd())
  const pending = grants.filter(g => g.state === 'pending').length
  if (pending > 0) print(`${pending} not reachable now: delivered when they connect (retried meanwhile; \`peershare status\` counts them)`)
}

export async function revoke (options: { fileId: string, peer: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const revoked = await client.revoke(options.fileId, options.peer)
  if (options.json === true) {
    print(JSON.stringify(revoked))
    return
  }
  print(`Revoked ${revoked.fileId} for ${revoked.peer}: no longer served to it (a key it already received stays with it)`)
}

function stateText (g: GrantInfo): string {
  if (g.state !== 'pending') return g.state
  return g.lastError == null ? 'pending' : `pending (${g.lastError.slice(0, 80)})`
}
