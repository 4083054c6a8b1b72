/**
 * The one place libp2p is configured: transports (TCP, WebRTC-direct), noise, yamux
 * with explicit limits, peer discovery (bootstrap list, optional mDNS) and the service
 * set (identify, ping, AutoNAT, Kademlia DHT under the peershare protocol id, gossipsub).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import type { PrivateKey, StreamMuxerFactory } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import type { Datastore } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import type { NodeConfig } from './config.js'

export interface Libp2pComponents {
  privateKey: PrivateKey
  datastore: Datastore
  config: NodeConfig
}

export async function createPeershareLibp2p ({ privateKey, datastore, config }: Libp2pComponents) {
  const { muxer } = config
  const peerDiscovery = []
  if (config.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: config.bootstrap }))
  if (config.mdns) peerDiscovery.push(mdns())
  return createLibp2p({
    privateKey,
    datastore,
    start: false,
    addresses: { listen: config.listen },
    transports: [tcp(), webRTCDirect()],
    connectionEncrypters: [noise()],
    streamMuxers: [peershareMuxer(muxer)],
    peerDiscovery,
    connectionManager: {
      maxConnections: config.maxConnections,
      inboundConnectionThreshold: config.inboundConnectionsPerHostPerSecond,
      dialTimeout: config.dialTimeout
    },
    services: {
      identify: identify(),
      // the connection monitor pings too: leave room for `peershare peers` to measure latency
      ping: ping({ maxInboundStreams: 4, maxOutboundStreams: 4 }),
      autoNAT: autoNAT(),
      dht: kadDHT({
        protocol: config.dhtProtocol,
        // undefined: kad-dht starts as a client and turns server once reachable publicly
        clientMode: config.dhtMode === 'auto' ? undefined : config.dhtMode === 'client',
        // peers on loopback and LANs are real peers here, so keep their addresses
        peerInfoMapper: passthroughMapper,
        providers: { provideValidity: config.provide.recordTtl / 1000 },
        // kad-dht republishes a record `threshold` ms before its `validity` ends
        reprovide: {
          interval: config.provide.checkInterval,
          validity: 2 * config.provide.recordTtl,
          threshold: 2 * config.provide.recordTtl - config.provide.refreshInterval
        }
      }),
      pubsub: gossipsub()
    }
  })
}

/** yamux with peershare's explicit limits (also what benchmarks compare against) */
export function peershareMuxer (muxer: NodeConfig['muxer']): () => StreamMuxerFactory {
  return yamux({
    maxInboundStreams: muxer.maxStreamsPerConnection,
    maxOutboundStreams: muxer.maxStreamsPerConnection,
    streamOptions: {
      maxStreamWindowSize: muxer.streamWindowBytes,
      maxReadBufferLength: muxer.maxReadBufferBytes
    }
  })
}

export type PeershareLibp2p = Awaited<ReturnType<typeof createPeershareLibp2p>>
