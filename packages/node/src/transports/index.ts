/**
 * The transports a node speaks, and what a browser can dial of them.
 *
 * - TCP, every node, listening where `listen` says.
 * - WebRTC-direct (UDP, `/webrtc-direct/certhash/…`), listening where `listen` says (the
 *   daemon's default). Its certificate and the certificate's key are kept in the repo's
 *   datastore (`persistentWebRTCDirect` with the `certificateKeychain` service), so the
 *   certhash, and with it an address a browser saved, outlives a restart. The library
 *   replaces the certificate a day before its 14 days end (`WEBRTC_CERTIFICATE`).
 * - WebSockets (`/ws`): dialled always; listened on only with `wsPort`, on the hosts of
 *   the TCP listeners (`webSocketsListen`), with bounded upgrade requests and messages
 *   (`boundedWebSockets`, `WS_MAX_MESSAGE_BYTES`, `WS_UPGRADE_LIMITS`).
 * - yamux over all of them, its data frames capped at 256 KiB (`capYamuxFrames`: the
 *   library sends a stream's whole window as one frame, which the receiver cannot use
 *   until all of it has arrived; once a window is at its largest, it is granted again by
 *   halves, not after every frame), and its streams may be opened without
 *   multistream-select's round trip (`lazySelectMuxer`: the exchange's Want goes out
 *   right behind the protocol proposal).
 * - Each yamux connection is kept alive by yamux ping frames on a timer of its own
 *   (`keepAliveMuxer`), not by libp2p's connection monitor, which opened a stream for
 *   every ping; a ping unanswered within `muxer.keepAliveTimeoutMs` aborts the connection.
 * - A dialled connection proposes noise without waiting for its echo (`lazyUpgrades`):
 *   the Noise handshake's first message follows the proposal (one round trip fewer; the
 *   muxer is agreed inside the handshake already).
 * - noise (`peershareNoise`): the library's, with ChaCha20-Poly1305 keyed by a KeyObject
 *   made once per key (it hands node:crypto the raw key for every frame, which Node
 *   checks by throwing and catching two errors a frame), no copy of a frame that
 *   came in pieces, and no new exception made at the end of every socket read.
 * - A TCP connection's frames written in one tick go out in one `writev`
 *   (`coalesceTcpWrites`, applied to each connection noise secures): @libp2p/tcp writes
 *   each encrypted frame with its own system call.
 * - `browserAddresses`: the node's addresses a browser can dial (WebRTC-direct, ws, wss,
 *   and circuit addresses through a relay reached by one of those), each with its scope
 *   (loopback, lan, public): `GET /v1/browser-addresses` and `status`.
 */
export { persistentWebRTCDirect, certificateKeychain, WEBRTC_CERTIFICATE } from './webrtc-direct.js'
export { boundedWebSockets, webSocketsListen, tcpListenPorts, WS_MAX_MESSAGE_BYTES, WS_UPGRADE_LIMITS } from './websockets.js'
export { browserAddresses } from './browser-addresses.js'
export { capYamuxFrames, YAMUX_MAX_FRAME_BYTES, YAMUX_READ_BUFFER_BYTES, YAMUX_UPDATE_AFTER_BYTES, YAMUX_WINDOW_BYTES } from './yamux-frames.js'
export { peershareTls, TLS_PROTOCOL, type TlsInit } from './tls.js'
export { peershareNoise, noiseCrypto, keyObjectOf, decryptFrames, decryptFramesApplied, noiseFrameLength, noiseFrameLengthApplied, type EncryptedStream } from './noise.js'
export { lazySelectMuxer, LAZY_SELECT, isLazy, proposeLazily, confirmLazy, claimLazy, proposalBytes } from './lazy-select.js'
export { lazyUpgrades, lazyUpgradesApplied, proposal, retryRefusedDials } from './lazy-upgrade.js'
export { coalesceTcpWrites } from './tcp-writes.js'
export { keepAliveMuxer, KeepAliveTimeoutError, type KeepAliveInit } from './keep-alive.js'
