/**
 * What the exchange server can serve: complete files from the store, and the
 * verified chunks of downloads still in progress (so downloaders swarm). Both look
 * the same to a serve session.
 */
import type { PeerId } from '@libp2p/interface'
import type { Bitfield, FileMetadata, Manifest } from '@peershare/protocol'
import type { FileRecord } from '../store/file-record.js'
import { type ChunkReader, verifiedReader } from '../store/chunk-readers.js'
import type { FileStore } from '../store/file-store.js'

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
  /**
   * Whether the peer the file was found for may still be served it (asked before every
   * chunk: a contact removed, a grant revoked or the visibility changed stops service
   * at once); absent: always (downloads in progress are public)
   */
  mayServe?(): Promise<boolean>
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

/** Who may be served a stored file (access/) */
export interface ServeAccess {
  authorise(record: FileRecord, peer: PeerId): boolean
  /** whether a download in progress (no stored record yet) may be served to anyone: not one known as contacts-only */
  servesDownload(fileId: string): Promise<boolean>
}

/**
 * Every chunk is hashed as it is read for a peer and compared with the manifest, so a
 * bit flipped on our disk is refused (ChunkDamagedError, the session ends) instead of
 * being sent and getting us banned. A stored file not `ok` is not offered; a download
 * of it in progress (its repair) is, from its verified chunks.
 *
 * A stored file the peer may not see is answered exactly as one we do not have: the
 * same lookups (the record, never its manifest nor its content), the same undefined.
 */
export function servableFiles (store: Pick<FileStore, 'getRecord' | 'recordRevision' | 'withManifest' | 'findBySha256' | 'openReader'>, access: ServeAccess, partials?: PartialFiles, events: ServeEvents = {}): ServableFiles {
  return {
    async find (wanted, peer) {
      const fileId = 'fileId' in wanted ? wanted.fileId : await store.findBySha256(wanted.sha256)
      const record = fileId == null ? undefined : await store.getRecord(fileId)
      if (record != null && !access.authorise(record, peer)) return undefined
      // asked before every chunk: the record is read again only once the store wrote a
      // record (a grant, a visibility change, a removal); contacts are asked each time
      let known: { revision: number, record: FileRecord | undefined } | undefined
      const mayServe = async (): Promise<boolean> => {
        const revision = store.recordRevision
        if (known?.revision !== revision) known = { revision, record: await store.getRecord(record?.fileId ?? '') }
        return known.record != null && access.authorise(known.record, peer)
      }
      const stored = record == null ? undefined : await store.withManifest(record)
      const reader = stored == null ? undefined : await store.openReader(stored)
      if (stored != null && reader != null) {
        return {
          fileId: stored.record.fileId,
          manifest: stored.manifest,
          manifestBytes: stored.manifestBytes,
          metadata: stored.record.metadata,
          open: async () => verifiedReader(reader, stored.manifest, index => events.damaged?.(stored.record, index)),
          mayServe
        }
      }
      if (stored != null) events.unservable?.(stored.record)
      const partial = partials?.find(wanted)
      if (partial == null || (record == null && !(await access.servesDownload(partial.fileId)))) return undefined
      partials?.noteInterest(partial.fileId, peer)
      return {
        ...partial,
        open: async () => {
          const opened = await partial.open()
          return opened == null ? undefined : verifiedReader(opened, partial.manifest, index => events.partialDamaged?.(partial.fileId, index))
        },
        // the repair of a stored file keeps that file's visibility
        ...(record == null ? {} : { mayServe })
      }
    }
  }
}
