/**
 * Files picked in the page, served to peers with the node's own exchange server
 * (`ExchangeServer` from `@peershare/node/engine`): the manifest is computed in the page
 * (chunk by chunk, so a large file never sits in memory), and every chunk is read from
 * the picked File and checked against it before it is sent (a file changed on disk
 * since it was picked is refused, not served wrong). A daemon downloads from the page
 * over the connection the page opened to it.
 */
import type { PeerId } from '@libp2p/interface'
import { type ChunkReader, chunkVerified, platform, type ServableFile, type ServableFiles, type WantedFile } from '@peershare/node/engine'
import { bytesToHex, chunkLength, chunkSizeFor, chunkOffset, DEFAULT_CHUNK_SIZE, encodeManifest, fileIdFromManifestBytes, formatFileId, MANIFEST_VERSION, type Manifest } from '@peershare/protocol'

/** Files one page shares at once */
export const MAX_SHARED_FILES = 64

export interface SharedFile {
  fileId: string
  name: string
  size: number
  /** whole-file SHA-256, hex */
  sha256: string
}

/** More files than MAX_SHARED_FILES, or an empty one */
export class ShareRefusedError extends Error {
  static override name = 'ShareRefusedError'
  override name = 'ShareRefusedError'
}

/** A chunk read from the picked file no longer matches what was shared */
export class FileChangedError extends Error {
  static override name = 'FileChangedError'
  override name = 'FileChangedError'
}

export class PageShares implements ServableFiles {
  private readonly files = new Map<string, ServableFile & { sha256: string }>()

  /** Computes the file's manifest and serves it from now on */
  async add (file: File, signal?: AbortSignal): Promise<SharedFile> {
    if (file.size === 0) throw new ShareRefusedError('An empty file has nothing to share')
    if (this.files.size >= MAX_SHARED_FILES) throw new ShareRefusedError(`A page shares at most ${MAX_SHARED_FILES} files`)
    const manifest = await manifestOf(file, signal)
    const manifestBytes = encodeManifest(manifest)
    const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
    const sha256 = bytesToHex(manifest.sha256)
    const metadata = { name: file.name, mimeType: file.type === '' ? 'application/octet-stream' : file.type, description: '', tags: [], created: Date.now() }
    this.files.set(fileId, { fileId, manifest, manifestBytes, metadata, sha256, open: async () => checkedReader(file, manifest) })
    return { fileId, name: file.name, size: file.size, sha256 }
  }

  remove (fileId: string): boolean {
    return this.files.delete(fileId)
  }

  async find (wanted: WantedFile, _peer: PeerId): Promise<ServableFile | undefined> {
    if ('fileId' in wanted) return this.files.get(wanted.fileId)
    return [...this.files.values()].find(f => f.sha256 === wanted.sha256)
  }
}

async function manifestOf (file: File, signal?: AbortSignal): Promise<Manifest> {
  const chunkSize = chunkSizeFor(file.size, DEFAULT_CHUNK_SIZE)
  const whole = platform.sha256()
  const chunkHashes: Uint8Array[] = []
  for (let offset = 0; offset < file.size; offset += chunkSize) {
    signal?.throwIfAborted()
    const chunk = new Uint8Array(await file.slice(offset, offset + chunkSize).arrayBuffer())
    const hash = platform.sha256()
    hash.update(chunk)
    chunkHashes.push(hash.digest())
    whole.update(chunk)
  }
  return { version: MANIFEST_VERSION, size: file.size, chunkSize, chunkHashes, sha256: whole.digest() }
}

function checkedReader (file: File, manifest: Manifest): ChunkReader {
  return {
    async read (index: number): Promise<Uint8Array> {
      const offset = chunkOffset(manifest, index)
      const data = new Uint8Array(await file.slice(offset, offset + chunkLength(manifest, index)).arrayBuffer())
      if (!await chunkVerified(manifest, index, data)) throw new FileChangedError(`Chunk ${index} of ${file.name} changed since it was shared`)
      return data
    },
    async close (): Promise<void> {}
  }
}
