/// <reference types="node" />
/// <reference types="mocha" />
/**
 * The browser-to-browser address rules, run in Node (they are pure): which relay
 * addresses a page accepts, and which of its own addresses another page can dial
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { BadRelayError, browserToBrowserAddresses, parseRelay } from '../src/relay/index.js'

const RELAY = '12D3KooWELzTy5Z946ea8Fqj5xWutXywNgsKorkA9ru1fzUqsPfB'
const PAGE = '12D3KooWHMrU7LhUVCCS8XYfF8bNct1bsWNsGxUqkCatVk9ye4FZ'
const WEBRTC_DIRECT = `/ip4/127.0.0.1/udp/40927/webrtc-direct/certhash/uEiCB_DlBQ40iHv_aAjKuRyPPPo1NhLJ9kZFPNmwShKwRcg/p2p/${RELAY}`
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${RELAY}`
const TCP = `/ip4/127.0.0.1/tcp/4001/p2p/${RELAY}`

describe('browser to browser addresses', () => {
  it('takes a relay reached over WebRTC-direct or WebSockets, with its peer id', () => {
    for (const addr of [WEBRTC_DIRECT, WS, ` ${WS}\n`]) assert.equal(parseRelay(addr).toString(), addr.trim())
  })

  it('refuses a relay a page cannot dial, one without a peer id, a relayed one, and text that is no multiaddr', () => {
    for (const addr of [TCP, '/ip4/127.0.0.1/tcp/4002/ws', `${WS}/p2p-circuit/p2p/${PAGE}`, 'relay.example.org', '/ip4/300.1.1.1/tcp/1/ws']) {
      assert.throws(() => parseRelay(addr), (err: Error) => err.name === 'BadRelayError' && err instanceof BadRelayError, addr)
    }
  })

  it("gives the page's relayed WebRTC addresses through a browser-dialable relay, and no others", () => {
    const addrs = [
      `${WEBRTC_DIRECT}/p2p-circuit/webrtc/p2p/${PAGE}`,
      `${WS}/p2p-circuit/webrtc/p2p/${PAGE}`,
      // a page cannot reach the relay over TCP, nor speak a plain relayed connection for data
      `${TCP}/p2p-circuit/webrtc/p2p/${PAGE}`,
      `${WS}/p2p-circuit/p2p/${PAGE}`
    ]
    assert.deepEqual(browserToBrowserAddresses({ getMultiaddrs: () => addrs.map(a => multiaddr(a)) }), addrs.slice(0, 2))
  })
})
