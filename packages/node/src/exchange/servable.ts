/**
 * What the exchange server can serve: complete files from the store, and the
 * verified chunks of downloads still in progress (so downloaders swarm). Both look
 * the same to a serve session.
 */
import type { PeerId } from '@libp2p/interface'
import type { Bitfield, FileMetadata, Manifest } from '@peershare/protocol'
import type { FileRecord } from '../store/file-record.js'
import { type ChunkReader, type FileStore, verifiedReader } from '../store/file-store.js'

export interface ServableFile {
  fileId: string
  manifest: Manifest
  manifestBytes: Uint8Array
  metadata: FileMetadata
  /** the chunks held, when not all of them */
  have?: Bitfield
  /** calls `onChunk` for each chunk verified from now on; returns the unsubscribe function */
  watch?(onChunk: (index: number) => void): () => void
  /** random access to held chunks, or undefined if the content is gone */
  open(): Promise<ChunkReader | undefined>
}

/** How a session names a file: by id, or by whole-file SHA-256 (hex) */
export type WantedFile = { fileId: string } | { sha256: string }

/** Files in progress, as the transfer engine offers them */
export interface PartialFiles {
  find(wanted: WantedFile): ServableFile | undefined
  /** a peer asked us for a file we are downloading: it may have chunks too */
  noteInterest(fileId: string, peer: PeerId): void
}

export interface ServableFiles {
  find(wanted: WantedFile, peer: PeerId): Promise<ServableFile | undefined>
}

/** What the exchange server tells the node about stored content it could not serve */
export interface ServeEvents {
  /** a stored file's content turned out changed or gone when a peer asked for it (the node stops providing it) */
  unservable?(record: FileRecord): void
  /** chunk `index` of a stored file failed its hash when read for a peer (the node marks it damaged) */
  damaged?(record: FileRecord, index: number): void
  /** chunk `index` of a download in progress failed its hash when read for a peer */
  partialDamaged?(fileId: string, index: number): void
}

/**
 * Every chunk is hashed as it is read for a peer and compared with the manifest, so a
 * bit flipped on our disk is refused (ChunkDamagedError, the session ends) instead of
 * being sent and getting us banned. A stored file not `ok` is not offered; a download
 * of it in progress (its repair) is, from its verified chunks.
 */
export function servableFiles (store: Pick<FileStore, 'get' | 'findBySha256' | 'openReader'>, partials?: PartialFiles, events: ServeEvents = {}): ServableFiles {
  return {
    async find (wanted, peer) {
      const fileId = 'fileId' in wanted ? wanted.fileId : await store.findBySha256(wanted.sha256)
      const stored = fileId == null ? undefined : await store.get(fileId)
      const reader = stored == null ? undefined : await store.openReader(stored)
      if (stored != null && reader != null) {
        return {
          fileId: stored.record.fileId,
          manifest: stored.manifest,
          manifestBytes: stored.manifestBytes,
          metadata: stored.record.metadata,
          open: async () => verifiedReader(reader, stored.manifest, index => events.damaged?.(stored.record, index))
        }
      }
      if (stored != null) events.unservable?.(stored.record)
      const partial = partials?.find(wanted)
      if (partial == null) return undefined
      partials?.noteInterest(partial.fileId, peer)
      return {
        ...partial,
        open: async () => {
          const opened = await partial.open()
          return opened == null ? undefined : verifiedReader(opened, partial.manifest, index => events.partialDamaged?.(partial.fileId, index))
        }
      }
    }
  }
}
