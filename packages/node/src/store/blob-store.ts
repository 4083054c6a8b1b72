/**
 * Where the content bytes of the repo's files live, by file id: what the file store,
 * sharing, collection listings and thumbnails need of them. Files outside the repo (a
 * download saved where the user chose) are not blobs: the file store reads them from
 * their path. The Node adapter keeps one file per blob in `<repo>/blobs`
 * (fs-blob-store.ts); a composition may give another (compose/).
 */

/** A blob holds fewer bytes than were asked for: its content is not what was recorded */
export class ShortReadError extends Error {
  static override name = 'ShortReadError'
  override name = 'ShortReadError'
}

export interface BlobStore {
  /** a new blob, written by offset, named once its file id is known (`commit`) */
  create(): Promise<BlobWriter>
  /** reads of a blob; undefined when there is none */
  open(fileId: string): Promise<BlobReader | undefined>
  /** a blob's size in bytes; undefined when there is none */
  size(fileId: string): Promise<number | undefined>
  /** forgets a blob; nothing happens when there is none */
  delete(fileId: string): Promise<void>
  /**
   * The blob's path on disk, for the Node-only parts that write or read a path: downloads
   * into the repo (a partial file renamed in place, resumed after a restart), a held
   * ciphertext decrypted in place, `show`'s thumbnail on disk. Absent in a store without
   * files: those parts then fail with NoBlobPathError, the rest works.
   */
  path?(fileId: string): string
}

export interface BlobWriter {
  /** writes `data` at `offset`; the caller may reuse `data` once this resolves */
  write(data: Uint8Array, offset: number): Promise<void>
  /** makes the bytes written so far durable (fsync), ahead of `commit`: a caller commits inside a lock without waiting on the disk there */
  sync?(): Promise<void>
  /** makes the bytes durable under `fileId`; a blob by that id is replaced (same id, same bytes) */
  commit(fileId: string): Promise<void>
  /** discards what was written; does nothing after `commit` */
  abort(): Promise<void>
}

export interface BlobReader {
  /** exactly `length` bytes from `offset`; ShortReadError when the blob ends first */
  read(length: number, offset: number): Promise<Uint8Array>
  close(): Promise<void>
}
