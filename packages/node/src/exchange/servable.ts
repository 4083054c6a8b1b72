/**
 * What the exchange server can serve: complete files from the store, and the
 * verified chunks of downloads still in progress (so downloaders swarm). Both look
 * the same to a serve session.
 */
import type { PeerId } from '@libp2p/interface'
import type { Bitfield, FileMetadata, Manifest } from '@peershare/protocol'
import type { FileRecord } from '../store/file-record.js'
import type { ChunkReader, FileStore } from '../store/file-store.js'

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

/**
 * `onUnservable` hears of a stored file whose content turned out changed or gone
 * when a peer asked for it (the node stops providing it).
 */
export function servableFiles (store: Pick<FileStore, 'get' | 'findBySha256' | 'openReader'>, partials?: PartialFiles, onUnservable?: (record: FileRecord) => void): ServableFiles {
  return {
    async find (wanted, peer) {
      const fileId = 'fileId' in wanted ? wanted.fileId : await store.findBySha256(wanted.sha256)
      const stored = fileId == null ? undefined : await store.get(fileId)
      if (stored != null) {
        return {
          fileId: stored.record.fileId,
          manifest: stored.manifest,
          manifestBytes: stored.manifestBytes,
          metadata: stored.record.metadata,
          open: async () => {
            const reader = await store.openReader(stored)
            if (reader == null) onUnservable?.(stored.record)
            return reader
          }
        }
      }
      const partial = partials?.find(wanted)
      if (partial != null) partials?.noteInterest(partial.fileId, peer)
      return partial
    }
  }
}
