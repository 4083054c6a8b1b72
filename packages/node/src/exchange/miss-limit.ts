/**
 * A bound on probing: each peer may have `notFoundPerPeer` Wants answered "not found"
 * per `notFoundWindow`; past that its Wants are refused `busy` before any lookup. A
 * miss and a refusal for a file the peer may not see are the same answer and count
 * the same, so the bound tells a prober nothing either; honest downloads, which ask
 * for files they found providers of, rarely miss.
 */
import type { PeerId } from '@libp2p/interface'
import { PeerRate } from '../limits/peer-rate.js'
import type { ServableFiles } from './servable.js'
import { SessionFailure } from './serve-session.js'

export interface MissLimits {
  notFoundPerPeer: number
  notFoundWindow: number
}

export function limitMisses (files: ServableFiles, limits: MissLimits): ServableFiles {
  const misses = new PeerRate({ max: limits.notFoundPerPeer, window: limits.notFoundWindow })
  return {
    async find (wanted, peer: PeerId) {
      const key = peer.toString()
      // taken before the lookup and given back when the file is found: a peer's Wants at
      // once (32 sessions) each see the misses of the others still being looked up
      if (!misses.allow(key)) throw new SessionFailure('busy', 'Too many requests for files not found, try later')
      const file = await files.find(wanted, peer)
      if (file != null) misses.refund(key)
      return file
    }
  }
}
