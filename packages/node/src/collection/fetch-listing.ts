/**
 * Getting a collection's listing: from the local store when this node has it, else
 * from a peer. The listing is served as a file named by its SHA-256, the digest inside
 * the collection id, so a session asked by that hash verifies the offered manifest
 * against it; every chunk is verified against that manifest, and the whole listing
 * against the collection id, before anything in it is used.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type Collection,
  type CollectionId,
  type FileMetadata,
  MAX_COLLECTION_BYTES,
  MAX_OUTSTANDING_CHUNKS,
  bytesToHex,
  collectionDigest,
  isValidChunk,
  verifyCollection
} from '@peershare/protocol'
import { Uint8ArrayList } from 'uint8arraylist'
import { FileNotFoundError, PeerMisbehavedError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { FileStore } from '../store/file-store.js'
import { readListing } from './listing-file.js'

export interface FetchedListing {
  collection: Collection
  bytes: Uint8Array
  /** the listing file's metadata (its name names the collection) */
  metadata: Pick<FileMetadata, 'name' | 'description' | 'tags' | 'created'>
  /** the peer it came from; undefined when it was local */
  peer?: PeerId
}

export interface FetchListingComponents {
  store: Pick<FileStore, 'findBySha256' | 'get' | 'readContent'>
  /** opens a session for the listing (the file with the collection id's SHA-256) with `from`, `peers`, or a provider of the collection */
  openListing(collectionId: CollectionId, options: { from?: PeerId | Multiaddr, peers?: string[], signal?: AbortSignal }): Promise<FetchSession>
}

export async function fetchListing (components: FetchListingComponents, collectionId: CollectionId, options: { from?: PeerId | Multiaddr, peers?: string[], signal?: AbortSignal }): Promise<FetchedListing> {
  const digest = collectionDigest(collectionId)
  const local = await localListing(components.store, collectionId, digest)
  if (local != null) return local
  const session = await components.openListing(collectionId, options)
  try {
    const bytes = await fetchAll(session, options.signal)
    const collection = await verifyCollection(collectionId, bytes).catch((err: Error) => {
      throw new PeerMisbehavedError(`Peer ${session.peer} served a bad listing: ${err.message}`)
    })
    await session.complete()
    return { collection, bytes, metadata: session.metadata, peer: session.peer }
  } catch (err: any) {
    session.abort(err)
    throw err
  }
}

async function localListing (store: FetchListingComponents['store'], collectionId: CollectionId, digest: Uint8Array): Promise<FetchedListing | undefined> {
  const fileId = await store.findBySha256(bytesToHex(digest))
  const stored = fileId == null ? undefined : await store.get(fileId)
  if (stored == null) return undefined
  try {
    const bytes = await readListing(store, stored.record)
    return { collection: await verifyCollection(collectionId, bytes), bytes, metadata: stored.record.metadata }
  } catch {
    // damaged or gone: fetch it again
    return undefined
  }
}

/** Every chunk of the session's (small) file, each verified, in order */
async function fetchAll (session: FetchSession, signal?: AbortSignal): Promise<Uint8Array> {
  const { manifest } = session
  if (manifest.size > MAX_COLLECTION_BYTES) throw new PeerMisbehavedError(`Peer ${session.peer} offered a listing of ${manifest.size} bytes, over the limit`)
  const count = manifest.chunkHashes.length
  if (session.have.count < count) throw new FileNotFoundError(`Peer ${session.peer} has only part of the listing`)
  const chunks: Uint8Array[] = new Array(count)
  let received = 0
  let requested = 0
  while (received < count) {
    // at most what every provider queues: more chunks only with a small chunk size
    const more = Math.min(count, received + MAX_OUTSTANDING_CHUNKS) - requested
    if (more > 0) {
      await session.request(Array.from({ length: more }, (_, i) => requested + i), 'high', signal)
      requested += more
    }
    const event = await session.nextEvent(signal)
    if (event.type !== 'chunk') continue
    const data = event.data instanceof Uint8ArrayList ? event.data.subarray() : event.data
    if (chunks[event.index] != null || !(await isValidChunk(manifest, event.index, data))) {
      throw new PeerMisbehavedError(`Peer ${session.peer} sent a bad chunk of the listing`)
    }
    chunks[event.index] = data
    received++
  }
  const out = new Uint8Array(manifest.size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
