/**
 * WebRTC-direct with a certificate that outlives a restart. @libp2p/webrtc keeps its
 * certificate in the datastore and the certificate's private key in the libp2p keychain
 * (the `keychain` service, which stores in the same datastore) when one is configured;
 * without one it made a new certificate at every start, so the certhash in the node's
 * address changed and an address a browser saved stopped working.
 */
import { keychain } from '@libp2p/keychain'
import { webRTCDirect } from '@libp2p/webrtc'

/**
 * How long a certificate is valid, and how long before its end the library replaces it
 * (the certhash changes then; identify push tells connected peers the new address).
 * The library's own defaults, written down: its renewal timer is one `setTimeout`, so the
 * lifespan must stay under 24.8 days (2^31 ms) or the timer fires at once, again and again
 */
export const WEBRTC_CERTIFICATE = Object.freeze({ lifespan: 14 * 24 * 60 * 60_000, renewBefore: 24 * 60 * 60_000 })

/** The WebRTC-direct transport; needs the `keychain` service (`certificateKeychain`) to keep its certificate */
export function persistentWebRTCDirect (): ReturnType<typeof webRTCDirect> {
  return webRTCDirect({
    certificateLifespan: WEBRTC_CERTIFICATE.lifespan,
    certificateRenewalThreshold: WEBRTC_CERTIFICATE.renewBefore
  })
}

/**
 * The keychain the transport stores its certificate key in, under libp2p's default keys
 * (`/pkcs8/…`, `/info/…`). No passphrase: the key guards only the DTLS layer (noise
 * inside it authenticates the peer id), and it sits in the repo beside the identity key
 */
export function certificateKeychain (): ReturnType<typeof keychain> {
  return keychain()
}
