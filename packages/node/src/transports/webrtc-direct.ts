/**
 * WebRTC-direct with a certificate that outlives a restart. @libp2p/webrtc keeps its
 * certificate in the datastore and the certificate's private key in the libp2p keychain
 * (the `keychain` service, which stores in the same datastore) when one is configured;
 * without one it made a new certificate at every start, so the certhash in the node's
 * address changed and an address a browser saved stopped working.
 */
import type { Startable, Transport } from '@libp2p/interface'
import { keychain } from '@libp2p/keychain'
import { webRTCDirect } from '@libp2p/webrtc'
import { Key } from 'interface-datastore'

/**
 * How long a certificate is valid, and how long before its end the library replaces it
 * (the certhash changes then; identify push tells connected peers the new address).
 * The library's own defaults, written down: its renewal timer is one `setTimeout`, so the
 * lifespan must stay under 24.8 days (2^31 ms) or the timer fires at once, again and again
 */
export const WEBRTC_CERTIFICATE = Object.freeze({ lifespan: 14 * 24 * 60 * 60_000, renewBefore: 24 * 60 * 60_000 })

/** Where @libp2p/webrtc keeps the certificate, and the keychain its key (their defaults) */
const CERTIFICATE_KEY = new Key('/libp2p/webrtc-direct/certificate')
const KEY_NAME = 'webrtc-direct-certificate-private-key'
const STORED_KEY = [new Key(`/pkcs8/${KEY_NAME}`), new Key(`/info/${KEY_NAME}`)]

type WebRTCDirectFactory = ReturnType<typeof webRTCDirect>

/**
 * The WebRTC-direct transport; needs the `keychain` service (`certificateKeychain`) to
 * keep its certificate. A stored certificate or key that no longer loads (a damaged
 * repo) stopped the transport, and with it the node, from starting: it is replaced by a
 * new one instead (the certhash changes, as it did at every start before)
 */
export function persistentWebRTCDirect (): WebRTCDirectFactory {
  const factory = webRTCDirect({
    certificateLifespan: WEBRTC_CERTIFICATE.lifespan,
    certificateRenewalThreshold: WEBRTC_CERTIFICATE.renewBefore
  })
  return components => {
    const transport = factory(components) as Transport & Partial<Startable>
    const start = transport.start?.bind(transport)
    if (start == null) return transport
    const log = components.logger.forComponent('peershare:node:webrtc-direct')
    transport.start = async () => {
      try {
        await start()
      } catch (err: any) {
        log.error('the stored WebRTC-direct certificate does not load (%s): making a new one, so the certhash changes', err?.message)
        // the key only when it is what fails: a good key the transport holds is stored already
        const keyBroken = await components.keychain?.exportKey(KEY_NAME).then(() => false, (e: Error) => e.name !== 'NotFoundError')
        await Promise.all([CERTIFICATE_KEY, ...(keyBroken === true ? STORED_KEY : [])].map(async key => components.datastore.delete(key)))
        await start()
      }
    }
    return transport
  }
}

/**
 * The keychain the transport stores its certificate key in, under libp2p's default keys
 * (`/pkcs8/…`, `/info/…`). No passphrase: the key guards only the DTLS layer (noise
 * inside it authenticates the peer id), and it sits in the repo beside the identity key
 */
export function certificateKeychain (): ReturnType<typeof keychain> {
  return keychain()
}
