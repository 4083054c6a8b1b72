/**
 * Where a browser download keeps its chunks: the Origin Private File System, one
 * directory per file id and one file per verified chunk. A chunk file appears only
 * when its write is closed (OPFS writes to a swap file and commits on close), so a
 * page closed mid-write leaves no half chunk; what is found on resume is verified
 * again anyway. Memory stays bounded: chunks go to storage as they arrive, and the
 * finished file is a Blob over the chunk files, not a copy in memory.
 */
import type { ChunkData } from '@peershare/node/engine'
import { piecesOf } from '@peershare/node/engine'

/** Top directory of our data in the origin's private file system */
const ROOT = 'peershare-chunks'

export interface ChunkStore {
  /** Indexes of the chunks stored */
  list(): Promise<number[]>
  write(index: number, data: ChunkData): Promise<void>
  read(index: number): Promise<Uint8Array>
  remove(index: number): Promise<void>
  /** The file as one Blob over chunks 0..count-1 (all must be stored) */
  file(count: number, type: string): Promise<Blob>
}

/** True when this page may use OPFS (a secure context: https, or http on localhost) */
export function storageAvailable (): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function'
}

/** Opens (creating) the chunk store of one file */
export async function openChunkStore (fileId: string): Promise<ChunkStore> {
  const dir = await (await root()).getDirectoryHandle(fileId, { create: true })
  return new OpfsChunkStore(dir)
}

/** Forgets a file's stored chunks (a Blob made of them can no longer be read) */
export async function removeChunkStore (fileId: string): Promise<void> {
  await (await root()).removeEntry(fileId, { recursive: true }).catch((err: any) => {
    if (err?.name !== 'NotFoundError') throw err
  })
}

async function root (): Promise<FileSystemDirectoryHandle> {
  if (!storageAvailable()) throw new Error('This page cannot store files: the Origin Private File System needs https or http://localhost')
  return (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true })
}

class OpfsChunkStore implements ChunkStore {
  constructor (private readonly dir: FileSystemDirectoryHandle) {}

  async list (): Promise<number[]> {
    const found: number[] = []
    for await (const name of this.dir.keys()) if (/^\d+$/.test(name)) found.push(Number(name))
    return found.sort((a, b) => a - b)
  }

  async write (index: number, data: ChunkData): Promise<void> {
    const handle = await this.dir.getFileHandle(String(index), { create: true })
    const writable = await handle.createWritable()
    try {
      // one write per chunk: each write is a round trip to the browser's storage process,
      // and a chunk off a WebRTC data channel comes in pieces of 16 KiB
      await writable.write(contiguous(data))
      await writable.close()
    } catch (err) {
      await writable.abort().catch(() => {})
      throw err
    }
  }

  async read (index: number): Promise<Uint8Array> {
    const file = await (await this.dir.getFileHandle(String(index))).getFile()
    return new Uint8Array(await file.arrayBuffer())
  }

  async remove (index: number): Promise<void> {
    await this.dir.removeEntry(String(index))
  }

  async file (count: number, type: string): Promise<Blob> {
    const parts: File[] = []
    for (let i = 0; i < count; i++) parts.push(await (await this.dir.getFileHandle(String(i))).getFile())
    return new Blob(parts, { type })
  }
}

/** The chunk as one buffer (copied once when it came in pieces) */
function contiguous (data: ChunkData): Uint8Array<ArrayBuffer> {
  const pieces = piecesOf(data)
  if (pieces.length === 1) return pieces[0] as Uint8Array<ArrayBuffer>
  const out = new Uint8Array(data.byteLength)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.byteLength
  }
  return out
}
