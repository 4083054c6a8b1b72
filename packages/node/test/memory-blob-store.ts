/** A blob store that keeps no files, as a browser's would: blobs as byte arrays in a map */
import { type BlobReader, type BlobStore, type BlobWriter, ShortReadError } from '../src/compose/index.js'

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>()

  async create (): Promise<BlobWriter> {
    let parts: Array<{ data: Uint8Array, offset: number }> | undefined = []
    return {
      write: async (data, offset) => {
        if (parts == null) throw new Error('blob already committed or aborted')
        // the caller reuses its buffer: keep a copy
        parts.push({ data: Uint8Array.from(data), offset })
      },
      commit: async (fileId) => {
        if (parts == null) throw new Error('blob already committed or aborted')
        const size = Math.max(0, ...parts.map(p => p.offset + p.data.byteLength))
        const blob = new Uint8Array(size)
        for (const p of parts) blob.set(p.data, p.offset)
        this.blobs.set(fileId, blob)
        parts = undefined
      },
      abort: async () => { parts = undefined }
    }
  }

  async open (fileId: string): Promise<BlobReader | undefined> {
    const blob = this.blobs.get(fileId)
    if (blob == null) return undefined
    return {
      read: async (length, offset) => {
        if (offset + length > blob.byteLength) throw new ShortReadError(`blob ${fileId} ends at ${blob.byteLength}`)
        return blob.slice(offset, offset + length)
      },
      close: async () => {}
    }
  }

  async size (fileId: string): Promise<number | undefined> {
    return this.blobs.get(fileId)?.byteLength
  }

  async delete (fileId: string): Promise<void> {
    this.blobs.delete(fileId)
  }
}
