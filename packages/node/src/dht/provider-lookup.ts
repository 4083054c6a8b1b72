/**
 * `peershare providers`: the peers the DHTs name for a file or collection, with
 * addresses a user can dial. For a SHA-256 each provider is asked for the manifest by
 * that hash, which is verified, to learn the file id it serves.
 */
import type { Logger, PeerId, PeerInfo } from '@libp2p/interface'
import type { ContentRef, FileRef } from '@peershare/protocol'
import { FetchSession, type FetchSessionComponents } from '../exchange/fetch-session.js'
import { withTimeout } from '../signals.js'
import type { FileIndex } from './file-index.js'

/** A provider found for a file; `fileId` is set when a lookup by SHA-256 was resolved */
export interface ProviderEntry {
  peerId: string
  /** dialable: each ends in /p2p/<peer id>, none twice */
  addresses: string[]
  fileId?: string
}

export interface ProviderLookupComponents {
  index: Pick<FileIndex, 'findProviders'>
  exchange: FetchSessionComponents
  /** how long a whole lookup may take without a caller's timeout (ms) */
  lookupTimeout: number
  /** how long resolving one provider's file id may take (ms) */
  resolveTimeout: number
  log: Logger
}

export async function * lookupProviders (components: ProviderLookupComponents, ref: ContentRef, options: { timeout?: number, signal?: AbortSignal } = {}): AsyncGenerator<ProviderEntry> {
  const signal = withTimeout(options.timeout ?? components.lookupTimeout, options.signal)
  try {
    for await (const peer of components.index.findProviders(ref, signal)) {
      const entry: ProviderEntry = { peerId: peer.id.toString(), addresses: dialableAddresses(peer) }
      if (ref.kind === 'sha256') {
        // resolving gets its own time: a provider found late in the lookup still counts
        entry.fileId = await resolveFileId(components, peer.id, ref, withTimeout(components.resolveTimeout, options.signal))
      }
      yield entry
    }
  } catch (err) {
    if (!signal.aborted || options.signal?.aborted === true) throw err
  }
}

/** The verified file id a provider serves for a SHA-256, or undefined if it does not */
async function resolveFileId ({ exchange, log }: ProviderLookupComponents, peer: PeerId, ref: FileRef, signal: AbortSignal): Promise<string | undefined> {
  try {
    const session = await FetchSession.open(exchange, peer, ref, signal)
    await session.complete()
    return session.fileId.toString()
  } catch (err: any) {
    log('resolving %s at %p failed: %s', 'sha256', peer, err.message)
    return undefined
  }
}

/** A provider's addresses as a user can dial them: each once, each ending in /p2p/<peer id> */
function dialableAddresses ({ id, multiaddrs }: PeerInfo): string[] {
  const full = multiaddrs.map(a => a.getComponents().at(-1)?.name === 'p2p' ? a : a.encapsulate(`/p2p/${id}`))
  return [...new Set(full.map(a => a.toString()))]
}
