/**
 * libp2p's peer records (`/peers/<peer id>`) held in memory and written to the
 * datastore in the background.
 *
 * libp2p 3 writes a peer's record on every stream it opens or accepts (it merges the
 * stream's protocol into the record: one datastore read and one write, under the
 * peer's lock in the peer store; libp2p's connection monitor opened one for every ping
 * until transports/keep-alive.ts replaced it), and identify, kad-dht and the dialler
 * write too. A DHT server answering
 * FIND_NODE reads the records of the ~20 peers it names, each behind that lock: on
 * LevelDB, under load, reads waited behind queues of writes for seconds, and most
 * FIND_NODE requests of a busy swarm timed out at kad-dht's 5 s (issue 14).
 *
 * `PeerRecordCache` wraps the datastore libp2p gets: a record written is kept in memory
 * (reads see it at once) and the latest value of each is written to the datastore
 * once per `flushInterval`, in one batch, and when libp2p stops. Records never written
 * since start are read from the datastore as before. Every other key passes through.
 *
 * `skipKnownProtocolMerges` answers a merge of protocols a record already lists with
 * the record merged last, for up to a minute, instead of decoding and encoding it again.
 *
 * `connectedRecords` writes each connected peer's record again before the store would
 * forget it: a connection kept alive by ping frames alone writes nothing.
 */
export { PEER_RECORD_CACHE_DEFAULTS, PeerRecordCache, type PeerRecordCacheInit, peerRecordFlush } from './peer-record-cache.js'
export { KNOWN_FOR_MS, MAX_KNOWN_RECORDS, skipKnownProtocolMerges } from './known-protocols.js'
export { connectedRecords, type ConnectedRecordsInit, PEER_RECORD_MAX_AGE_MS } from './connected-records.js'
