/**
 * The one place libp2p is configured: transports (TCP, WebRTC-direct), noise, yamux
 * with explicit limits, and the service set (identify, ping, Kademlia DHT under the
 * peershare protocol prefix, gossipsub).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import type { Datastore } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import type { NodeConfig } from './config.js'

/** Kademlia protocol id: a private peershare swarm, not the public IPFS DHT */
export const DHT_PROTOCOL = '/peershare/kad/1.0.0'

export interface Libp2pComponents {
  privateKey: PrivateKey
  datastore: Datastore
  config: NodeConfig
}

export async function createPeershareLibp2p ({ privateKey, datastore, config }: Libp2pComponents) {
  const { muxer } = config
  return createLibp2p({
    privateKey,
    datastore,
    start: false,
    addresses: { listen: config.listen },
    transports: [tcp(), webRTCDirect()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      maxInboundStreams: muxer.maxStreamsPerConnection,
      maxOutboundStreams: muxer.maxStreamsPerConnection,
      streamOptions: {
        maxStreamWindowSize: muxer.streamWindowBytes,
        maxReadBufferLength: muxer.maxReadBufferBytes
      }
    })],
    connectionManager: {
      maxConnections: config.maxConnections,
      dialTimeout: config.dialTimeout
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        // peers on loopback and LANs are real peers here, so keep their addresses
        peerInfoMapper: passthroughMapper
      }),
      pubsub: gossipsub()
    }
  })
}

export type PeershareLibp2p = Awaited<ReturnType<typeof createPeershareLibp2p>>
