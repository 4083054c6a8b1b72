/**
 * Search from the page: the query goes to the daemons (and pages) the page is connected
 * to over `/peershare/search/1.0.0`, with the node's own asking side
 * (`RemoteSearchClient` from `@peershare/node/engine`): at most `maxPeers` peers, one
 * deadline, every signed offer in an answer opened and checked before any is kept (one
 * forged offer condemns the whole answer). The page keeps no catalog: results are
 * grouped by file id with the peers that offered it, the sources a download then uses.
 * Results are hints; the download still verifies every byte against the file id.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { type CatalogEntry, RemoteSearchClient, type RemoteSearchSettings, type SignedOffer } from '@peershare/node/engine'
import { MAX_SEARCH_RESULTS, MAX_SEARCH_TEXT_BYTES, offerKind } from '@peershare/protocol'

/** The asking side's settings (the daemon's, without the catalog ages: a page keeps no catalog) */
export const SEARCH_SETTINGS: Readonly<RemoteSearchSettings> = Object.freeze({
  maxPeers: 8,
  deadline: 5_000,
  preferUnpulled: false,
  freshCatalogAge: 0,
  // the answering side's limits: a page answers no queries, these are never used
  maxInboundStreamsPerConnection: 0,
  queriesPerPeer: 0,
  queriesWindow: 1
})

/** A file some peers offer, and which of them answered with it */
export interface SearchResult {
  fileId: string
  name: string
  size: number
  mimeType: string
  /** whole-file SHA-256, hex, as the offer claims it */
  sha256: string
  /** the offer's author (peer id) */
  author: string
  /** peer ids that answered with this file: the download's sources (`/p2p/<id>`) */
  peers: string[]
}

export interface SearchOptions {
  signal?: AbortSignal
  /** results so far, after each peer's answer */
  onResults?(results: SearchResult[]): void
}

export interface SearchOutcome {
  results: SearchResult[]
  /** peers asked / peers that answered */
  asked: number
  answered: number
}

/** The query text is longer than the protocol carries */
export class BadQueryError extends Error {
  static override name = 'BadQueryError'
  override name = 'BadQueryError'
}

export interface PageSearchComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections' | 'peerStore'>
  log: Logger
  settings?: RemoteSearchSettings
}

export class PageSearch {
  private readonly client: RemoteSearchClient

  constructor (components: PageSearchComponents) {
    this.client = new RemoteSearchClient({
      libp2p: components.libp2p,
      // verified offers are not stored: each answer is taken as it is
      catalog: { addOpened: async (offers: SignedOffer[]) => offers.map(asEntry) },
      lastPulled: () => undefined,
      settings: components.settings ?? SEARCH_SETTINGS,
      log: components.log
    })
  }

  /** Asks the connected peers; results grouped by file id, in the order first seen */
  async search (text: string, options: SearchOptions = {}): Promise<SearchOutcome> {
    if (new TextEncoder().encode(text).byteLength > MAX_SEARCH_TEXT_BYTES) throw new BadQueryError(`A query is at most ${MAX_SEARCH_TEXT_BYTES} bytes`)
    const byFile = new Map<string, SearchResult>()
    let asked = 0
    let answered = 0
    for await (const answer of this.client.fanOut({ text, limit: MAX_SEARCH_RESULTS }, { signal: options.signal, onAsked: n => { asked = n } })) {
      answered++
      for (const entry of answer.entries) add(byFile, entry, answer.peer)
      options.onResults?.([...byFile.values()])
    }
    return { results: [...byFile.values()], asked, answered }
  }
}

function asEntry (signed: SignedOffer): CatalogEntry {
  return { signed, receivedAt: Date.now(), own: false }
}

/** Files only (a collection is a list of files, not yet downloadable from a page) */
function add (byFile: Map<string, SearchResult>, entry: CatalogEntry, from: string): void {
  const offer = entry.signed.offer
  if (offer.removed || offerKind(offer) !== 'file') return
  const known = byFile.get(offer.contentId)
  if (known != null) {
    if (!known.peers.includes(from)) known.peers.push(from)
    return
  }
  byFile.set(offer.contentId, { fileId: offer.contentId, name: offer.name, size: offer.size, mimeType: offer.mimeType, sha256: offer.sha256, author: offer.author, peers: [from] })
}

/**
 * Waits until identify told the peer's protocols (search asks only peers known to speak
 * it, and identify runs just after a connection opens), or until `signal` aborts
 */
export async function untilIdentified (libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'peerStore'>, peer: PeerId, signal: AbortSignal): Promise<void> {
  let done = (): void => {}
  const identified = new Promise<void>(resolve => { done = resolve })
  const onIdentify = (event: CustomEvent<{ peerId: PeerId }>): void => { if (event.detail.peerId.equals(peer)) done() }
  libp2p.addEventListener('peer:identify', onIdentify)
  signal.addEventListener('abort', done)
  try {
    // listening first, then looking: an identify finishing in between is not missed
    const known = await libp2p.peerStore.get(peer).then(p => p.protocols.length > 0, () => false)
    if (!known) await identified
  } finally {
    libp2p.removeEventListener('peer:identify', onIdentify)
    signal.removeEventListener('abort', done)
  }
}
