/**
 * The serving side of `/peershare/keys/1.0.0`: one request per stream. A push is
 * checked grant by grant (`receiveGrant`) and answered with one result each. A fetch
 * is answered with this node's unrevoked grants of that file addressed to the
 * Noise-authenticated remote peer, never to an id from the message: a peer with no
 * grant and a file this node never heard of get the same empty answer. Each peer may
 * make `requestsPerPeer` requests per `requestsWindow`; past it the answer is a
 * `rate-limited` refusal, and a request over a limit gets a `bad-request` one.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { KEYS_PROTOCOL, MAX_KEYS_MESSAGE_BYTES, type KeysRequest, decodeKeysRequest, encodeKeysResponse, formatFileId } from '@peershare/protocol'
import { PeerRate } from '../limits/peer-rate.js'
import { handleOnce } from '../rpc/request-response.js'
import type { KeysSettings } from './index.js'
import type { Received } from './receive.js'
import type { SentGrants } from './sent-grants.js'

export interface KeysServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  sent: Pick<SentGrants, 'get'>
  /** checks and keeps one pushed grant */
  receive(envelope: Uint8Array): Promise<Received>
  settings: KeysSettings
  log: Logger
}

export class KeysServer {
  private readonly rate: PeerRate

  constructor (private readonly c: KeysServerComponents) {
    this.rate = new PeerRate({ max: c.settings.requestsPerPeer, window: c.settings.requestsWindow })
  }

  async start (): Promise<void> {
    const { libp2p, settings, log } = this.c
    await handleOnce(libp2p, KEYS_PROTOCOL, {
      maxInboundStreams: settings.maxInboundStreamsPerConnection,
      rate: this.rate,
      rateLimited: () => encodeKeysResponse({ refused: 'rate-limited' }),
      maxRequestBytes: MAX_KEYS_MESSAGE_BYTES,
      timeout: settings.requestTimeout,
      log,
      badRequest: () => encodeKeysResponse({ refused: 'bad-request' })
    }, async (frame, _signal, remotePeer) => encodeKeysResponse(await this.answer(decodeKeysRequest(frame), remotePeer)))
  }

  async stop (): Promise<void> {
    await this.c.libp2p.unhandle(KEYS_PROTOCOL)
  }

  private async answer (request: KeysRequest, remotePeer: PeerId): Promise<{ grants: Uint8Array[], results: Array<'accepted' | 'refused'> }> {
    if (request.push != null) {
      const results: Array<'accepted' | 'refused'> = []
      for (const envelope of request.push) {
        const received = await this.c.receive(envelope)
        if (received.result === 'refused') this.c.log('refused a grant pushed by %p: %s', remotePeer, received.reason)
        results.push(received.result)
      }
      return { grants: [], results }
    }
    // one grant per file and recipient: the remote peer's, if unrevoked
    const grant = this.c.sent.get(formatFileId(request.fetch), remotePeer.toString())
    return { grants: grant == null || grant.state === 'revoked' ? [] : [grant.envelope], results: [] }
  }
}
