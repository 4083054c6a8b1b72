/**
 * Node defaults a client shows (in help texts) without loading the node. The node's
 * DEFAULTS (packages/node/src/config.ts) take them from here.
 */

/** Where a node listens unless told otherwise: TCP and WebRTC-direct on port 4001, all interfaces */
export const DEFAULT_LISTEN: readonly string[] = Object.freeze(['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/udp/4001/webrtc-direct'])
