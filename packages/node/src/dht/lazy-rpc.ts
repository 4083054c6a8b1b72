/**
 * kad-dht's RPCs without multistream-select's round trip. Each DHT request opens a new
 * stream, and libp2p negotiates its protocol before kad-dht may write: one round trip
 * through both event loops before the request leaves. A trace of 100-node bench lookups
 * (2026-12-04) had 60–300 ms between kad-dht's dial event and its request on connections
 * already open, against 60–200 ms for the request's own answer. Here the stream is opened
 * as go-libp2p and rust-libp2p open streams whose opener speaks first: the proposal goes
 * out right ahead of the request, and the echo is taken off the front of the answer
 * (transports/lazy-select.ts `selectTransparently`). Nothing changes for the peer.
 */
import type { QueryEvent } from '@libp2p/kad-dht'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { TRANSPARENT_LAZY_SELECT } from '../transports/index.js'

type Rpc = (to: PeerId, msg: unknown, options?: AbortOptions) => AsyncGenerator<QueryEvent>

/** What is changed: kad-dht's network (its implementation; not in its interface types) */
export interface KadNetwork {
  sendRequest: Rpc
  sendMessage: Rpc
}

/** Makes the network's requests and messages open their streams lazily; false (and nothing changed) if it lacks either */
export function lazyRpcStreams (network: Partial<KadNetwork>): boolean {
  const { sendRequest, sendMessage } = network
  if (typeof sendRequest !== 'function' || typeof sendMessage !== 'function') return false
  const lazily = (rpc: Rpc): Rpc => (to, msg, options = {}) => rpc.call(network, to, msg, { ...options, [TRANSPARENT_LAZY_SELECT]: true })
  network.sendRequest = lazily(sendRequest)
  network.sendMessage = lazily(sendMessage)
  return true
}
