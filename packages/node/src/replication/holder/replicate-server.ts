/**
 * The serving side of `/peershare/replicate/1.0.0`: one request, one answer per stream
 * (rpc/request-response.ts: bounded size and time, a rate per peer, an inbound stream
 * cap). The answer is decided synchronously (`decide`) so the quota reservation is
 * atomic; the fetch starts after the answer is on its way.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { MAX_REPLICATE_MESSAGE_BYTES, REPLICATE_PROTOCOL, type ReplicateRequestMessage, decodeReplicateRequest, encodeReplicateResponse, formatFileId } from '@peershare/protocol'
import { PeerRate } from '../../limits/peer-rate.js'
import { handleOnce } from '../../rpc/request-response.js'
import type { ReplicateAnswer, ReplicationSettings } from '../index.js'

/** Streams of this protocol one connection may have open at once: a keeper asking for several files at once, each stream short and bounded in size and time */
export const MAX_REPLICATE_STREAMS_PER_CONNECTION = 16

export interface ReplicateServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  settings: Pick<ReplicationSettings, 'requestsPerPeer' | 'requestsWindow' | 'requestTimeout'>
  /** the answer to `request` from `peer`, reserving quota when it accepts (synchronous: no await between check and reservation) */
  decide(request: ReplicateRequestMessage & { fileIdText: string }, peer: PeerId): ReplicateAnswer
  /** called after an accept was answered */
  accepted(fileId: string, peer: PeerId): void
  log: Logger
}

export class ReplicateServer {
  private readonly rate: PeerRate

  constructor (private readonly c: ReplicateServerComponents) {
    this.rate = new PeerRate({ max: c.settings.requestsPerPeer, window: c.settings.requestsWindow })
  }

  async start (): Promise<void> {
    const { libp2p, settings, log } = this.c
    await handleOnce(libp2p, REPLICATE_PROTOCOL, {
      maxInboundStreams: MAX_REPLICATE_STREAMS_PER_CONNECTION,
      rate: this.rate,
      rateLimited: () => encodeReplicateResponse('busy'),
      maxRequestBytes: MAX_REPLICATE_MESSAGE_BYTES,
      timeout: settings.requestTimeout,
      log,
      badRequest: () => encodeReplicateResponse('bad-request')
    }, async (frame, _signal, remotePeer) => {
      const request = decodeReplicateRequest(frame)
      const fileIdText = formatFileId(request.fileId)
      const answer = this.c.decide({ ...request, fileIdText }, remotePeer)
      log('replicate %s for %p: %s', fileIdText, remotePeer, answer)
      // the fetch waits for the answer to be written: the asker learns first
      if (answer === 'accept') queueMicrotask(() => { this.c.accepted(fileIdText, remotePeer) })
      return encodeReplicateResponse(answer)
    })
  }

  async stop (): Promise<void> {
    await this.c.libp2p.unhandle(REPLICATE_PROTOCOL)
  }
}
