/**
 * The client of `/peershare/replicate/1.0.0` (the `ReplicaRequests` contract): asks a
 * peer to hold a file. A peer that cannot be reached, answers late or answers nothing
 * valid counts as 'busy'; every answer is reported to Membership.noteOutcome.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { MAX_REPLICATE_MESSAGE_BYTES, REPLICATE_PROTOCOL, decodeReplicateResponse, encodeReplicateRequest, parseFileId } from '@peershare/protocol'
import { requestOnce } from '../../rpc/request-response.js'
import type { Membership, ReplicaRequests, ReplicateAnswer, ReplicateRequest } from '../index.js'

export interface ReplicaRequestsComponents {
  libp2p: Pick<Libp2p, 'dialProtocol'>
  membership: Pick<Membership, 'noteOutcome'>
  /** a peer accepted to hold the file: it may now fetch it whatever its visibility */
  accepted(fileId: string, peer: PeerId): void
  /** ms for dial, request and answer */
  timeout: number
  log: Logger
}

export function replicaRequests (c: ReplicaRequestsComponents): ReplicaRequests {
  return {
    async ask (peer: PeerId, request: ReplicateRequest, signal?: AbortSignal): Promise<ReplicateAnswer> {
      // permitted before asking: the holder starts fetching as soon as it has answered
      c.accepted(request.fileId, peer)
      const answer = await askOnce(c, peer, request, signal)
      c.membership.noteOutcome(peer.toString(), answer === 'accept')
      return answer
    }
  }
}

async function askOnce (c: ReplicaRequestsComponents, peer: PeerId, request: ReplicateRequest, signal?: AbortSignal): Promise<ReplicateAnswer> {
  const bytes = encodeReplicateRequest({ fileId: parseFileId(request.fileId), size: request.size, min: request.policy.min, max: request.policy.max, encrypted: request.encrypted, ...(request.owner != null ? { owner: request.owner } : {}) })
  try {
    const frame = await requestOnce(c.libp2p, peer, bytes, { protocol: REPLICATE_PROTOCOL, maxResponseBytes: MAX_REPLICATE_MESSAGE_BYTES, timeout: c.timeout, signal })
    const answer = decodeReplicateResponse(frame)
    return answer === 'bad-request' ? 'busy' : answer
  } catch (err: any) {
    if (signal?.aborted === true) throw err
    c.log('replicate request to %p: %s', peer, err?.message ?? err)
    return 'busy'
  }
}
