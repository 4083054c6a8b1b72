/**
 * Copies of a download for the starts that joined it wanting the file elsewhere: a
 * second `get -o b` of a file being got to `a`, or a user's `get` that takes over a
 * replica fetch or a repair (whose file goes into the repo). One download fetches the
 * file; each such start gets its own copy, placed where it asked once the file is
 * complete and verified. They are saved with the download (`TransferRecord.copies`), so
 * a restart before the download completes still places them (one in the moment between
 * the file being stored and its copies placed is lost: the saved state goes with the
 * download's end).
 */
import { resolve, sep } from 'node:path'
import type { FileMetadata } from '@peershare/protocol'
import { BadRequestError } from '../errors.js'
import { MAX_DOWNLOAD_COPIES } from '../records/index.js'
import { type FileRecord, plaintextPath } from '../store/file-record.js'
import { type DestinationOptions, namesDirectory, placeCopy } from './destination.js'
import type { TransferRecord } from './transfer-store.js'

/** Where a copy goes: the joiner's output, its directory resolved when it joined */
export interface CopyDestination {
  output?: string
  cwd: string
  force?: boolean
}

/** The destination a start asks for, with its working directory fixed now */
export function copyDestination (options: DestinationOptions): CopyDestination {
  return { output: options.output, cwd: options.cwd ?? process.cwd(), ...(options.force === true ? { force: true } : {}) }
}

/** True when a start asking for the file at `destination` needs a copy: the download (going to `own`) puts it elsewhere, or in the repo */
export function goesElsewhere (own: TransferRecord['destination'], destination: DestinationOptions): boolean {
  return own == null || own.repo === true || !sameDestination(own, destination)
}

/** True when two destinations name the same place (a second start asking for what the first does needs no copy) */
export function sameDestination (a: DestinationOptions, b: DestinationOptions): boolean {
  return where(a) === where(b) && (a.force === true) === (b.force === true)
}

/** The place a destination names; `d/` (a directory to put the file in) is not `d` (maybe the file itself) */
function where (d: DestinationOptions): string {
  const path = resolve(d.cwd ?? process.cwd(), d.output ?? '.')
  return d.output == null || namesDirectory(d.output) ? `${path}${sep}` : path
}

interface Copy {
  destination: CopyDestination
  placed: PromiseWithResolvers<string>
  /** its placing began (once per download run: a copy that failed is placed again by a resumed download) */
  started: boolean
}

export class DownloadCopies {
  private readonly copies: Copy[] = []

  /** The copies a saved download had (a restart): placed when it completes, nobody waiting */
  constructor (saved: CopyDestination[] = []) {
    for (const destination of saved) this.copies.push(this.entry(destination))
  }

  /** Every copy asked for, to save with the download */
  get destinations (): CopyDestination[] {
    return this.copies.map(c => c.destination)
  }

  /**
   * A copy at `destination` (a destination asked for before gets the same one); `added`
   * says whether it is new. `placed` resolves with the copy's path once it is there.
   */
  add (destination: CopyDestination): { placed: Promise<string>, added: boolean } {
    const held = this.copies.find(c => sameDestination(c.destination, destination))
    if (held != null) return { placed: held.placed.promise, added: false }
    if (this.copies.length >= MAX_DOWNLOAD_COPIES) throw new BadRequestError(`This file is being downloaded already, with copies asked for at ${MAX_DOWNLOAD_COPIES} other places: wait for it to end`)
    const copy = this.entry(destination)
    this.copies.push(copy)
    return { placed: copy.placed.promise, added: true }
  }

  /**
   * Places each copy not yet being placed, from the stored file's plaintext: where the
   * download put it, else its blob (`blobPath`; a blob of ciphertext has none to copy).
   * A copy that fails fails its own start (and is logged: nobody may wait for it), never
   * the download. Never throws.
   */
  async placeFrom (stored: FileRecord, blobPath: () => string, log: (format: string, ...args: unknown[]) => void): Promise<void> {
    const original = plaintextPath(stored)
    const from = (): string | undefined => original ?? (stored.ciphertext === true ? undefined : blobPath())
    const metadata = stored.encrypted == null ? stored.metadata : { ...stored.metadata, name: stored.encrypted.name }
    await this.placeAll(from, metadata, original, log)
  }

  /** `placeFrom`, the file's plaintext at the path `from` gives, and `original` where the download put it */
  private async placeAll (from: () => string | undefined, metadata: FileMetadata, original: string | undefined, log: (format: string, ...args: unknown[]) => void): Promise<void> {
    const waiting = this.copies.filter(c => !c.started)
    for (const copy of waiting) copy.started = true
    for (const copy of waiting) {
      try {
        const path = from()
        if (path == null) throw new Error('the download it joined keeps only the file\'s ciphertext in the repo: get the file again once that download is over')
        copy.placed.resolve(await placeCopy(path, copy.destination, metadata, original))
      } catch (err: any) {
        log('the copy of %s for %s failed: %s', metadata.name, copy.destination.output ?? copy.destination.cwd, err.message)
        copy.placed.reject(err)
      }
    }
  }

  /** The download failed or was cancelled: the copies' starts fail with it (a resumed download places them again) */
  fail (err: Error): void {
    for (const [i, copy] of this.copies.entries()) {
      if (copy.started) continue
      copy.placed.reject(err)
      this.copies[i] = this.entry(copy.destination)
    }
  }

  private entry (destination: CopyDestination): Copy {
    const placed = Promise.withResolvers<string>()
    // nobody may wait for a copy (a restart placing a saved one)
    placed.promise.catch(() => {})
    return { destination, placed, started: false }
  }
}
