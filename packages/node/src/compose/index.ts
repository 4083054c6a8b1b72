/**
 * What the composition root (`PeershareNode.compose`) takes from outside: the datastore,
 * the blob store, the node's private key and a libp2p factory. Everything else the
 * node builds from them and its config. Two adapters give them:
 *
 * - the Node adapter (node.ts, what `PeershareNode.create` uses): the repo's folders,
 *   LevelDB in `<repo>/datastore`, one file per blob in `<repo>/blobs`, the identity in
 *   `<repo>/identity.key`, and `createPeershareLibp2p` (TCP, WebRTC, QUIC...);
 * - any other: a MemoryDatastore or IndexedDB one, blobs in memory or OPFS, a key held
 *   elsewhere, a libp2p with browser transports.
 *
 * What stays Node-side whatever the parts: sharing reads a path, downloads write to the
 * user's output path, thumbnails render with sharp, and the parts that need a blob's
 * path on disk (a download into the repo, a held ciphertext decrypted in place, `show`'s
 * thumbnail) fail with NoBlobPathError when the blob store keeps no files (see
 * `BlobStore.path`). `config.repo` stays the folder of the node's own files: config.json
 * (saved limits), the control API's api.json, uploads and the thumbnail scratch file.
 */
import type { PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { Libp2pComponents, PeershareLibp2p } from '../libp2p.js'
import type { BlobStore } from '../store/blob-store.js'

export { type BlobReader, type BlobStore, type BlobWriter, ShortReadError } from '../store/blob-store.js'
export { FsBlobStore } from '../store/fs-blob-store.js'

/**
 * Builds the node's libp2p, not started, from its datastore and key, the config, the
 * gossipsub app score and the metrics hook (`createPeershareLibp2p` is one). The node
 * uses its services by name (dht, lanDht, pubsub, ping, identify...): a factory builds
 * the same service set over other transports.
 */
export type Libp2pFactory = (components: Libp2pComponents) => Promise<PeershareLibp2p>

export interface NodeParts {
  /** open; every subsystem keeps its records under its own key prefix */
  datastore: Datastore
  /** the content of the repo's files */
  blobs: BlobStore
  /** the node's identity */
  privateKey: PrivateKey
  createLibp2p: Libp2pFactory
  /** releases what the parts hold once the node stopped, or failed to compose (the Node adapter closes LevelDB, its lock) */
  release?(): Promise<void>
}
