/**
 * What a node reports about itself through the control API: status, downloads,
 * peers, bandwidth limits. The node builds these values; clients read them as JSON.
 */

export interface DhtStatus {
  /** server: answers queries; client: only asks */
  mode: 'client' | 'server'
  protocol: string
  routingTableSize: number
}

export interface NodeStatus {
  peerId: string
  addresses: string[]
  connections: number
  /** the LAN DHT (private and loopback addresses, always a server) and the public one (`--dht-mode`) */
  dht: { lan: DhtStatus, public: DhtStatus }
  files: number
  /** bytes of file content this node serves (its blobs, files shared in place and downloaded files) */
  storageBytes: number
  /**
   * of those, the files served from where they are on disk (shared in place, downloaded),
   * not copied into the repo; `withdrawn`: files shared in place found changed or gone
   * (not served until shared again; `ls` says why). Absent from older daemons.
   */
  inPlace?: { files: number, bytes: number, withdrawn: number }
  exchange: {
    sessions: number
    unsentBytes: number
    /**
     * chunk bytes served since start: their content, what went on the wire, how many
     * chunks went compressed, and how many parts of chunks were sent (absent from older daemons)
     */
    wire?: { contentBytes: number, wireBytes: number, compressedChunks: number, parts?: number }
  }
  /** offers held, gossip, catalog pulls, the search index */
  discovery: DiscoveryStatus
  /** file key grants: made (unrevoked), waiting for delivery, received */
  keys: KeysStatus
  /** storage this node offers to other peers' replicas, and what they use */
  replication?: ReplicationStatus
  /** whether others can dial this node, and how (reachability/) */
  reachability?: ReachabilityStatus
  /** the addresses a browser can dial (`GET /v1/browser-addresses`) */
  browser?: BrowserAddresses
  /** present while this node is connected to no peer: what it tried, so a user sees why it finds nothing */
  isolated?: IsolatedStatus
}

/** `NodeStatus.isolated`: a node connected to no peer, and what it knows of why */
export interface IsolatedStatus {
  /** each bootstrap peer configured, with why its last dial failed (no `error`: not failed, or not tried yet) */
  bootstrap: Array<{ address: string, error?: string }>
  /** peers remembered from earlier runs (with addresses): dialled too */
  remembered: number
  /** whether mDNS looks for peers on the LAN */
  mdns: boolean
  /** ms between two rounds of dials while connected to nobody */
  retryInterval: number
}

/** `GET /v1/browser-addresses` (and `NodeStatus.browser`): how a browser peer reaches this node */
export interface BrowserAddresses {
  peerId: string
  /** WebRTC-direct (with its certhash), ws and wss addresses, and circuit addresses through a relay reached by one of those */
  addresses: BrowserAddress[]
}

export interface BrowserAddress {
  /** the whole multiaddr, ending in /p2p/<peer id> */
  address: string
  /** what the browser dials (a relayed address: the transport to the relay) */
  transport: 'webrtc-direct' | 'ws' | 'wss'
  /** who can dial it: this machine, the local network, anyone (a DNS name counts as public) */
  scope: 'loopback' | 'lan' | 'public'
  /** through a circuit relay: scope and transport are the relay's */
  relayed: boolean
}

/** The holder side of replication (`status`) */
export interface ReplicationStatus {
  /** bytes offered to other peers' replicas (0: none offered) */
  quotaBytes: number
  /** bytes reserved or held for them */
  usedBytes: number
  /** replicas held or being fetched */
  replicas: number
  /** storage offers of other peers known (live) */
  offersKnown: number
}

/**
 * How others reach this node (`status`), as it learns at runtime (AutoNAT):
 * - `public`: a public address of its own that AutoNAT (or the settings' announce list) verified
 * - `nat-mapped`: a port mapped on the router (UPnP) and verified from outside
 * - `private`: AutoNAT reached none of its addresses (or it listens on none), no relay address yet
 * - `relayed`: unreachable directly, reachable through relay addresses (reservations on relays)
 * - `unknown`: nothing verified yet (or loopback only)
 */
export interface ReachabilityStatus {
  reachability: 'public' | 'nat-mapped' | 'private' | 'relayed' | 'unknown'
  /** why, for a person: "behind NAT: AutoNAT could not reach 2 addresses; relayed via <relay>" */
  reason: string
  publicAddresses: string[]
  mappedAddresses: string[]
  relayAddresses: string[]
  /** public addresses of ours AutoNAT has not verified (or found unreachable) */
  unverifiedAddresses: string[]
  /**
   * AutoNAT: its last verification of a public or mapped address; how many public
   * addresses await one; when the node concluded no address was reachable (this spell)
   * and how many it had tried; AutoNAT-capable peers met since start
   */
  autonat: {
    lastConfirmed: { address: string, at: string } | null
    unconfirmed: number
    lastFailure: { addresses: number, at: string } | null
    peers: number
  }
  /** the verdict reservations and the relay server follow (after hysteresis), and since when */
  settled: { verdict: 'reachable' | 'unreachable' | 'unknown', since: string }
  /** UPnP port mapping is on */
  upnp: boolean
  /** this node holds or looks for a reservation on a relay and announces its relay addresses */
  reserving: boolean
  /** this node as a relay for others, with its caps (0 when it does not serve) */
  relayServer: { serving: boolean, reservations: number, maxReservations: number, circuits: number, maxCircuits: number, refusedCircuits: number }
}

/** Grants this node made and received (`status`) */
export interface KeysStatus {
  /** grants made and not revoked */
  grants: number
  /** of those, not yet delivered: retried when the recipient connects and on a timer */
  pendingDeliveries: number
  /** grants received (the inbox) */
  inbox: number
}

/** What this node knows of the network's offers (`status`) */
export interface DiscoveryStatus {
  /** live offers held: this node's own, and other authors' verified and cached */
  offers: { own: number, cached: number }
  /** authors the catalog knows: with offers or tombstones held, or a floor that keeps their removals removed */
  authors: number
  /** removals held (catalog pulls pass them on) */
  tombstones: number
  /** peers subscribed to the announcement topic; own announcements not sent yet */
  gossip: { topicPeers: number, pending: number }
  /** the newest catalog page read: from which peer, when (unix ms); null before the first */
  lastPull: { peer: string, at: number } | null
  /** the local search index: false while its first build runs; content ids indexed */
  searchIndex: { built: boolean, contentIds: number }
}

/** `stalled`: running, but no source is delivering; `stallReason` says why */
export type TransferStatus = 'running' | 'stalled' | 'paused' | 'completed' | 'failed' | 'cancelled'

/**
 * Why a running download has no source delivering (stable codes for scripts):
 * - `no-peers`: this node is connected to no peer, so nobody can be asked (no provider known yet)
 * - `no-providers`: nobody is known to have the file (no provider found, given peers lack it)
 * - `providers-unreachable`: peers that should have it cannot be reached or stopped answering
 * - `all-banned`: every peer known to have it sent data that failed verification
 * - `paused-by-sources`: every source reached refuses for now (busy)
 * - `relay-limited`: the sources are reachable only through relays, and the relays closed
 *   the relayed connections at their limits (bytes or time per connection)
 */
export type StallReason = 'no-peers' | 'no-providers' | 'providers-unreachable' | 'all-banned' | 'paused-by-sources' | 'relay-limited'

export interface TransferProgress {
  fileId: string
  name: string
  output: string
  state: TransferStatus
  priority: 'low' | 'normal' | 'high'
  bytesDone: number
  /** null until a source's verified manifest gives the size */
  bytesTotal: number | null
  /** bytes per second over the last few seconds (decays to 0 when nothing arrives) */
  rate: number
  /** seconds left at the current rate; null when unknown (nothing arriving, or size unknown) */
  eta: number | null
  /** why a `stalled` download waits; null otherwise */
  stallReason: StallReason | null
  /** the same for a person; null when not stalled */
  stallMessage: string | null
  /** seconds until a stalled download looks for sources again; null when not stalled */
  nextLookIn: number | null
  /** sources being fetched from now */
  sources: number
  /** per source: chunks and bytes it delivered in this run, and its current rate if still active */
  sourceStats: SourceTotals[]
  /** chunk bytes received since this process started the download (including any discarded) */
  bytesReceived: number
  /** the same bytes as they crossed the wire: fewer when sources sent chunks compressed */
  wireBytesReceived?: number
  /** sources banned from this download for sending data that failed verification */
  banned: string[]
  error?: { code: string, message: string }
}

export interface SourceTotals {
  peerId: string
  chunks: number
  bytes: number
  active: boolean
  rate: number
  /** how an active source is connected: `relayed (limited)` runs within a relay's byte and time caps */
  via?: 'direct' | 'relayed' | 'relayed (limited)'
}

/** A collection download: `listing` until its listing is fetched and verified */
export type CollectionState = 'listing' | 'running' | 'completed' | 'failed'

export interface CollectionProgress {
  collectionId: string
  name: string
  /** the directory the tree goes in (empty until the listing is known) */
  output: string
  state: CollectionState
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  /** bytes per second over the member downloads running */
  rate: number
  /** member downloads running now */
  active: number
  error?: { code: string, message: string }
}

export interface PeerEntry {
  peerId: string
  addresses: string[]
  /** round-trip time in milliseconds, or undefined if the ping failed */
  latencyMs?: number
}

/** Bandwidth limits in bytes per second, 0 for none */
export interface BandwidthLimits {
  upload: number
  uploadPerPeer: number
  download: number
}

/**
 * An offer as search, browse and show report it: one content id, with the offer of
 * one author shown (`author`, `seq`) and every author offering it listed. Names and
 * tags from peers are sanitised by the node before they get here.
 */
export interface OfferInfo {
  /** file id or collection id: what `peershare get` takes */
  contentId: string
  kind: 'file' | 'collection'
  name: string
  size: number
  mimeType: string
  /** whole-file SHA-256 as hex; '' for a collection */
  sha256: string
  /** video, audio, image, document, archive, software or other */
  category: string
  tags: string[]
  description: string
  /** unix ms, as the author says (0 unknown) */
  created: number
  modified: number
  /** file id of a small image, '' for none */
  thumbnail: string
  /** the author whose offer this shows: this node's own, else the newest received */
  author: string
  /** that author's sequence number (a 64-bit integer, as text) */
  seq: string
  /** every author with a live offer of it, the shown one first */
  authors: string[]
  /** live providers seen: connected authors, and peers a provider lookup found in the last hour */
  providers: number
  /** unix ms this node received the newest version (its own clock) */
  receivedAt: number
  /** this node offers it */
  own: boolean
}

/** A search result: an offer and its score (BM25 x availability x freshness; 0 without words) */
export interface SearchHit extends OfferInfo {
  score: number
}

/**
 * A search as it goes: `results` first from the local index at once, then again after
 * each remote answer (the merged list, re-ranked here), then `done`
 */
export type SearchUpdate =
  | {
    type: 'results'
    /** the first `limit` results, in the order asked for */
    results: SearchHit[]
    /** matches in all */
    total: number
    /** 'some' when no offer matched every word and any word counted */
    match: 'all' | 'some'
    /** 'local', or the peer whose answer this list now includes */
    from: string
  }
  /** peers asked, and those that answered before the deadline (0 and 0 for a local search) */
  | { type: 'done', asked: number, answered: number }

/** A page of browse, and per-category counts when no category was given */
export interface BrowseResult {
  results: OfferInfo[]
  /** offers matching in all */
  total: number
  /** from 1 */
  page: number
  pageSize: number
  /** content ids per category (without a category filter) */
  categories?: Record<string, number>
}

/** `show`: an offer, each author's own version, the thumbnail on disk and providers found */
export interface OfferDetail {
  offer: OfferInfo
  /** every author's offer of it, one each, the shown one first */
  offers: OfferInfo[]
  /** the thumbnail's file id and where it is on this node (fetched if it was not); null without one */
  thumbnail: { fileId: string, path: string } | null
  /** why the thumbnail could not be had (too large, nobody served it in time) */
  thumbnailError?: string
  /** providers the DHT found (within the lookup's time limit), with addresses */
  providers: Array<{ peerId: string, addresses: string[] }>
}
