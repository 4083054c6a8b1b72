/**
 * The parts of split chunks as they arrive (chunk-picker.ts splits a download's last
 * chunks so that its sources finish together), joined into the chunk once all are in and
 * verified as one against the manifest: a part alone cannot be checked.
 *
 * Blame: joined parts that fail their hash, all from one source, are that source's bad
 * chunk. From several sources nobody can tell who lied, so nobody is blamed yet: the
 * chunk is fetched whole, and once a copy verifies, each kept part is compared with it and
 * the sources of the parts that differ are blamed (what libtorrent calls smart ban).
 */
import { type Manifest, PARTS_PER_CHUNK, partRange } from '@peershare/protocol'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { type ChunkData, piecesOf } from './chunk-data.js'

/** A chunk whose parts are all in: its bytes, and the source of each part */
export interface JoinedChunk {
  data: ChunkData
  from: string[]
}

interface Suspect {
  peer: string
  offset: number
  bytes: Uint8Array
}

export class PartAssembly {
  /** chunk -> its parts so far, and who sent each */
  private readonly joining = new Map<number, { pieces: Array<ChunkData | undefined>, from: string[] }>()
  /** chunk -> the parts of its failed join, from several sources, until a copy verifies */
  private readonly suspects = new Map<number, Suspect[]>()

  constructor (private readonly manifest: Manifest) {}

  /** Part `part` of chunk `index` from `peer`; the joined chunk once every part is in */
  add (peer: string, index: number, part: number, data: ChunkData): JoinedChunk | undefined {
    let joining = this.joining.get(index)
    if (joining == null) {
      joining = { pieces: new Array(PARTS_PER_CHUNK).fill(undefined), from: [] }
      this.joining.set(index, joining)
    }
    joining.pieces[part] = data
    joining.from[part] = peer
    if (joining.pieces.some(piece => piece == null)) return undefined
    this.joining.delete(index)
    const joined = new Uint8ArrayList()
    for (const piece of joining.pieces as ChunkData[]) joined.append(...piecesOf(piece))
    return { data: joined, from: joining.from }
  }

  /**
   * The join of chunk `index` failed its hash: the source to blame now when one sent
   * every part; else none, and the parts are kept to be compared with a good copy
   */
  failed (index: number, joined: JoinedChunk): string[] {
    const senders = new Set(joined.from)
    if (senders.size === 1) return [...senders]
    const whole = contiguous(joined.data)
    this.suspects.set(index, joined.from.map((peer, part) => {
      const { offset, length } = partRange(this.manifest, index, part)
      // a copy: the join's buffers are the network's and must not be held past this chunk
      return { peer, offset, bytes: whole.slice(offset, offset + length) }
    }))
    return []
  }

  /**
   * Chunk `index` verified (`data`): the sources of kept parts that differ from it, to be
   * blamed. Forgets the chunk's parts.
   */
  verified (index: number, data: ChunkData): string[] {
    this.joining.delete(index)
    const suspects = this.suspects.get(index)
    if (suspects == null) return []
    this.suspects.delete(index)
    const good = contiguous(data)
    const liars = suspects.filter(s => !equals(good.subarray(s.offset, s.offset + s.bytes.byteLength), s.bytes)).map(s => s.peer)
    return [...new Set(liars)]
  }

  /** Forgets everything (the download stopped) */
  clear (): void {
    this.joining.clear()
    this.suspects.clear()
  }
}

/** The chunk's bytes as one buffer (a list's pieces are copied into one) */
function contiguous (data: ChunkData): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}
