/** Fakes for unit tests of commands: a scripted control client and a capturing print */
import { multiaddr } from '@multiformats/multiaddr'
import type { BandwidthLimits, BrowseResult, CollectionInfo, SearchHit, SearchUpdate, FileInfo, GetEvent, GrantInfo, InboxEntry, NodeInfo, NodeStatus, PeerEntry, ProvidersEvent, ReplicasInfo, ReplicationInfo, VerifiedFileInfo } from '@peershare/client'
import { encodeTicket, parseFileId } from '@peershare/protocol'
import type { CliClient, Print } from '../src/context.js'

/** A real file id (parseFileRef accepts it) */
export const FILE_ID = 'bahijzqabciqgxvfnqr55zz6iwt3dezmejknvbdiw5nwakkyrn6havo7t5yaaieq'
export const PEER_ID = '12D3KooWNneM85UPHYNF6fxQmw9bwcNKneNRkZ6zboGHDHFc9HaA'
export const REPLICATION: ReplicationInfo = { fileId: FILE_ID, policy: { min: 2, max: 5 }, state: 'under-replicated', live: [PEER_ID], fetching: [], lost: [], why: 'too-few-candidates', reason: 'too few peers offer room for it (swarm smaller than min)', lastCheck: 1, role: 'owner' }
export const PEER_ADDR = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER_ID}`

export const FILE: FileInfo = {
  fileId: FILE_ID,
  status: 'ok',
  name: 'report.pdf',
  size: 3 * 1024 * 1024 + 17,
  sha256: '26de0b285c5183d625dafa8f48fe034ea26d7575cf28374d081937b200e1a63e',
  mimeType: 'application/pdf',
  description: 'the report',
  tags: ['work', 'q3'],
  created: 1_700_000_000_000,
  category: 'document',
  modified: 1_700_000_000_000
}

/** A real ticket for FILE at PEER_ADDR */
export const TICKET = encodeTicket({ id: parseFileId(FILE_ID), name: FILE.name, size: FILE.size, peerId: PEER_ID, addresses: [multiaddr(PEER_ADDR)] })

export const NODE_INFO: NodeInfo = {
  peerId: PEER_ID,
  addresses: [PEER_ADDR, `/ip4/127.0.0.1/udp/4001/webrtc-direct/p2p/${PEER_ID}`],
  repo: '/home/u/.peershare',
  version: '0.1.0'
}

export const STATUS: NodeStatus = {
  peerId: PEER_ID,
  addresses: [PEER_ADDR],
  connections: 3,
  dht: {
    lan: { mode: 'server', protocol: '/peershare/lan/kad/1.0.0', routingTableSize: 7 },
    public: { mode: 'client', protocol: '/peershare/kad/1.0.0', routingTableSize: 0 }
  },
  files: 2,
  storageBytes: 5 * 1024 * 1024,
  exchange: { sessions: 1, unsentBytes: 0 },
  discovery: {
    offers: { own: 4, cached: 1_250 },
    authors: 37,
    tombstones: 6,
    gossip: { topicPeers: 5, pending: 0 },
    lastPull: { peer: PEER_ID, at: 1_700_000_000_000 },
    searchIndex: { built: true, contentIds: 1_201 }
  },
  keys: { grants: 3, pendingDeliveries: 1, inbox: 2 }
}

export const PEERS: PeerEntry[] = [{ peerId: PEER_ID, addresses: [PEER_ADDR], latencyMs: 3 }]

export const PROVIDER: Extract<ProvidersEvent, { type: 'provider' }> = { type: 'provider', peerId: PEER_ID, addresses: [PEER_ADDR], fileId: FILE_ID }

export interface Captured {
  print: Print
  lines: string[]
}

export function capture (): Captured {
  const lines: string[] = []
  return { lines, print: (line) => { lines.push(line) } }
}

export interface FakeClient extends CliClient {
  calls: Array<{ method: string, request?: unknown }>
}

export interface FakeClientInit {
  info?: NodeInfo
  files?: FileInfo[]
  collections?: CollectionInfo[]
  replicas?: ReplicasInfo
  verified?: VerifiedFileInfo[]
  /** events `get` sends to onEvent, in order; the last must be the done event */
  events?: GetEvent[]
  /** thrown by every method instead of answering */
  error?: Error
  /** what `content` streams (the file's bytes, in parts) */
  content?: Uint8Array[]
  /** what `search` streams; the last must be the done update */
  searchUpdates?: SearchUpdate[]
  browse?: BrowseResult
}

/** Answers like a daemon would, from the script it was given; records every call */
export function fakeClient (init: FakeClientInit = {}): FakeClient {
  const calls: FakeClient['calls'] = []
  const answer = <T>(method: string, value: T, request?: unknown): T => {
    calls.push({ method, request })
    if (init.error != null) throw init.error
    return value
  }
  return {
    calls,
    id: async () => answer('id', init.info ?? NODE_INFO),
    files: async (options?: { all?: boolean }) => answer('files', (init.files ?? [FILE]).filter(f => options?.all === true || f.thumbnailOf == null)),
    replicas: async () => answer('replicas', init.replicas ?? { replicas: [], usedBytes: 0, quotaBytes: 0 }),
    collections: async () => answer('collections', init.collections ?? []),
    share: async (request) => answer('share', { ...FILE, name: request.path?.split('/').pop() ?? '', ticket: TICKET }, request),
    ticket: async (fileId) => answer('ticket', { ticket: TICKET, id: FILE_ID, name: FILE.name, size: FILE.size, addresses: [PEER_ADDR] }, fileId),
    get: async (request, onEvent = () => {}) => {
      answer('get', undefined, request)
      const events = init.events ?? [doneEvent()]
      for (const event of events) onEvent(event)
      const done = events.at(-1)
      if (done?.type !== 'done') throw new Error('script the done event last')
      return done
    },
    content: async function * (fileId) {
      for (const part of answer('content', init.content ?? [], fileId)) yield part
    },
    status: async () => answer('status', STATUS),
    stop: async () => answer('stop', { stopping: true as const, pid: 4242 }),
    peers: async () => answer('peers', PEERS),
    webuiLogin: async () => answer('webuiLogin', { url: 'http://127.0.0.1:1/webui/login?token=t' }),
    connect: async (addr) => answer('connect', PEER_ID, addr),
    providers: async (request, onProvider) => {
      answer('providers', undefined, request)
      onProvider(PROVIDER)
      return 1
    },
    remove: async (fileId) => answer('remove', FILE_ID, fileId),
    startDownload: async (request) => answer('startDownload', { ...progressEvent(0), type: undefined }, request),
    transfers: async () => answer('transfers', [progressEvent(FILE.size / 2)]),
    pause: async (fileId) => answer('pause', { ...progressEvent(10), state: 'paused' as const }, fileId),
    resume: async (fileId) => answer('resume', progressEvent(10), fileId),
    cancel: async (fileId) => answer('cancel', FILE_ID, fileId),
    limits: async () => answer('limits', { upload: 0, uploadPerPeer: 0, download: 0 }),
    setLimits: async (request) => {
      const { temporary: _, ...limits } = request
      return answer('setLimits', { upload: 0, uploadPerPeer: 0, download: 0, ...limits as Partial<BandwidthLimits> }, request)
    },
    verify: async (ref) => answer('verify', init.verified ?? [{ ...FILE, damagedChunks: [] }], ref),
    search: async (request, onUpdate = () => {}) => {
      answer('search', undefined, request)
      const updates = init.searchUpdates ?? [{ type: 'results', results: [HIT], total: 1, match: 'all', from: 'local' }, { type: 'done', asked: 0, answered: 0 }]
      let last: Extract<SearchUpdate, { type: 'results' }> | undefined
      for (const update of updates) {
        onUpdate(update)
        if (update.type === 'results') last = update
        else return { results: last?.results ?? [], total: last?.total ?? 0, match: last?.match ?? 'all', asked: update.asked, answered: update.answered }
      }
      throw new Error('script the done update last')
    },
    browse: async (request) => answer('browse', init.browse ?? { results: [HIT], total: 1, page: 1, pageSize: 20 }, request),
    offer: async (id) => answer('offer', { offer: HIT, offers: [HIT], thumbnail: null, providers: [{ peerId: PEER_ID, addresses: [PEER_ADDR] }] }, id),
    grant: async (fileId, peers) => answer('grant', peers.map((peer, i) => ({ ...GRANT, peer, state: i === 0 ? 'delivered' as const : 'pending' as const })), { fileId, peers }),
    revoke: async (fileId, peer) => answer('revoke', { ...GRANT, peer, state: 'revoked' as const }, { fileId, peer }),
    inbox: async () => answer('inbox', [INBOX_ENTRY]),
    addContact: async (peerId, name) => answer('addContact', { peerId, ...(name == null ? {} : { name }), added: 1 }, { peerId, name }),
    contacts: async () => answer('contacts', [{ peerId: PEER_ID, name: 'alice', added: 1 }]),
    removeContact: async (nameOrPeerId) => answer('removeContact', { peerId: PEER_ID, name: 'alice', added: 1 }, nameOrPeerId),
    setVisibility: async (fileId, visibility) => answer('setVisibility', { fileId: FILE_ID, visibility }, { fileId, visibility }),
    replicate: async (fileId, replicas) => answer('replicate', { ...REPLICATION, policy: replicas === '3:5' ? { min: 3, max: 5 } : REPLICATION.policy }, { fileId, replicas }),
    replication: async (fileId) => answer('replication', REPLICATION, fileId)
  }
}

/** A grant of FILE_ID to PEER_ID */
export const GRANT: GrantInfo = { fileId: FILE_ID, peer: PEER_ID, kind: 'file-key', state: 'delivered', created: 1_700_000_000_000, attempts: 0 }

/** FILE_ID granted to this node by PEER_ID */
export const INBOX_ENTRY: InboxEntry = {
  fileId: FILE_ID,
  from: PEER_ID,
  kind: 'file-key',
  name: 'secret plans.pdf',
  mimeType: 'application/pdf',
  plaintextSize: 2 * 1024 * 1024,
  size: 2 * 1024 * 1024 + 32,
  granted: 1_700_000_000_000,
  received: Date.UTC(2026, 10, 30, 18, 5),
  downloaded: false
}

/** A search hit for FILE, offered by PEER_ID */
export const HIT: SearchHit = {
  contentId: FILE_ID,
  kind: 'file',
  name: FILE.name,
  size: FILE.size,
  mimeType: FILE.mimeType,
  sha256: FILE.sha256,
  category: 'document',
  tags: FILE.tags,
  description: FILE.description,
  created: FILE.created,
  modified: FILE.created,
  thumbnail: '',
  author: PEER_ID,
  seq: '1700000000000000',
  authors: [PEER_ID],
  providers: 1,
  receivedAt: FILE.created,
  own: false,
  score: 12.5
}

export function progressEvent (bytesDone: number, bytesTotal: number | null = FILE.size): Extract<GetEvent, { type: 'progress' }> {
  const rate = 1024 * 1024
  return {
    type: 'progress',
    fileId: FILE_ID,
    name: FILE.name,
    output: '/data/report.pdf',
    state: 'running',
    priority: 'normal',
    bytesDone,
    bytesTotal,
    rate,
    eta: bytesTotal == null ? null : (bytesTotal - bytesDone) / rate,
    stallReason: null,
    stallMessage: null,
    nextLookIn: null,
    sources: 2,
    sourceStats: [],
    bytesReceived: bytesDone,
    banned: []
  }
}

/** A download waiting for a source: nothing arrives, size unknown until one answers */
export function stalledEvent (): Extract<GetEvent, { type: 'progress' }> {
  return {
    ...progressEvent(0, null),
    state: 'stalled',
    rate: 0,
    eta: null,
    sources: 0,
    stallReason: 'providers-unreachable',
    stallMessage: 'providers unreachable: 1 known, none answers',
    nextLookIn: 4
  }
}

export function doneEvent (path = '/data/report.pdf'): Extract<GetEvent, { type: 'done' }> {
  return { type: 'done', file: { ...FILE, path }, path }
}
