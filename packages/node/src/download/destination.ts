/** Where a download goes: the output the user named, or the file's (sanitised) name */
import type { Stats } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { chmod, copyFile, link, lstat, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { type FileMetadata, type Priority, bytesToHex } from '@peershare/protocol'
import { replaceableOutput } from '@peershare/client'
import { OutputExistsError, PeerMisbehavedError, fsError } from '../errors.js'
import { mkdirForUser, userFileMode } from '../file-modes.js'
import type { FileLocation, FileRecord } from '../store/file-record.js'
import type { DownloadContent } from './download-content.js'
import { siblingPath } from './partial-file.js'
import type { TransferRecord } from './transfer-store.js'

export interface DestinationOptions {
  /**
   * destination file; an existing directory, or any path ending in `/`, is a
   * directory (created when missing) to put the file in under its own name
   */
  output?: string
  /** directory for a relative `output`, or for the file when no `output` is given */
  cwd?: string
  /** replace an existing output file (never a directory) @default false */
  force?: boolean
}

/** What a start of a download says of where it goes (the rest of transfer-manager.ts `StartOptions`: where it comes from) */
export interface StartDestination extends DestinationOptions {
  /** the name the signed offer in the catalog (or a ticket) gives the file: the output when none is given (else the first source's name) */
  offeredName?: string
  priority?: Priority
  /**
   * download into the node's repo instead of `output`, fetching chunks in order, so
   * the file can be read as it arrives (`get -o -`); kept and served like a shared file
   */
  stream?: boolean
  /**
   * keep the file in the repo and serve it, never decrypting it: an encrypted file's
   * ciphertext needs no key to be held (what replicas do); not with `output`
   */
  hold?: boolean
  /**
   * fetch the file again into the repo's blob, replacing it atomically at the end:
   * the repair of a shared file found damaged or missing
   */
  repair?: boolean
}

/** Whether a start goes into the repo (`-o -`, `--hold`, a repair) rather than to an output of the user's */
export function startsIntoRepo (options: StartDestination): boolean {
  return options.stream === true || options.repair === true || options.hold === true
}

/** A new download's record as it starts: where it goes, running, from no source yet */
export function startRecord (fileId: string, options: StartDestination): TransferRecord {
  const output = options.output ?? options.offeredName
  return {
    fileId,
    destination: startsIntoRepo(options) ? { repo: true } : { output, cwd: options.cwd, force: options.force },
    priority: options.priority ?? 'normal',
    state: 'running',
    sources: [],
    created: Date.now()
  }
}

/** True when `output` names a directory by its form (a trailing separator) */
export function namesDirectory (output: string): boolean {
  return output.endsWith('/') || output.endsWith(sep)
}

/**
 * The destination path (its directory created if missing); fails if a file is there
 * already, unless `force` or it is `allowed` (a copy's destination naming the file its
 * download placed)
 */
export async function destinationPath (options: DestinationOptions, metadata: FileMetadata, allowed?: string): Promise<string> {
  const base = options.cwd ?? process.cwd()
  const force = options.force === true
  const check = async (output: string): Promise<string> => output === allowed ? output : checkOutput(output, force)
  if (options.output != null && namesDirectory(options.output)) {
    const dir = resolve(base, options.output)
    await mkdirForUser(dir).catch((err: any) => { throw fsError(err, dir) })
    return check(join(dir, metadata.name))
  }
  const output = options.output == null ? join(base, metadata.name) : resolve(base, options.output)
  if (output === allowed) return output
  // each await waits its turn on a busy event loop (tens of ms while a node provides):
  // the output's parent is made while the output is looked at (if it exists, so does its parent)
  const [isDirectory] = await Promise.all([directoryOrFree(output, force), mkdirForUser(dirname(output))])
  return isDirectory ? check(join(output, metadata.name)) : output
}

/**
 * Refuses, before anything is fetched, an output named outright that exists (its
 * directory form is fine) and one whose folder cannot be made (a file is in the way)
 */
export async function refuseExistingOutput (options: DestinationOptions): Promise<void> {
  if (options.output == null) return
  const output = resolve(options.cwd ?? process.cwd(), options.output)
  if (namesDirectory(options.output)) await refuseBlockedFolder(output)
  else await Promise.all([directoryOrFree(output, options.force === true), refuseBlockedFolder(dirname(output))])
}

/**
 * Refuses a folder that cannot be made because the nearest part of `dir` that exists is
 * a file (`-o notes.txt/x.bin`): said before anything is fetched, not as the download's
 * failure at its end. Other errors are left to the download's own steps.
 */
export async function refuseBlockedFolder (dir: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    const info = await stat(d).catch((err: NodeJS.ErrnoException) => err.code === 'ENOENT' || err.code === 'ENOTDIR' ? undefined : err)
    if (info instanceof Error) return
    if (info != null) {
      if (!info.isDirectory()) throw new OutputExistsError(`Cannot save in ${dir}: ${d} is a file, not a folder`)
      return
    }
    if (dirname(d) === d) return
  }
}

/**
 * True when `output` is an existing directory (the file goes inside it, under its own
 * name); refuses an existing file there unless `force`
 */
export async function directoryOrFree (output: string, force: boolean): Promise<boolean> {
  const existing = await lstat(output).catch(() => undefined)
  if (existing?.isDirectory() === true) return true
  refuseExisting(output, existing, force)
  return false
}

/** Refuses an existing output: any with `force` off, a directory always; returns the output */
async function checkOutput (output: string, force: boolean): Promise<string> {
  refuseExisting(output, await lstat(output).catch(() => undefined), force)
  return output
}

/** `checkOutput` on what lstat found at `output` (undefined: nothing); `force` replaces only what `replaceableOutput` allows */
function refuseExisting (output: string, existing: Stats | undefined, force: boolean): void {
  if (existing == null) return
  if (!replaceableOutput(existing)) throw new OutputExistsError(`Output exists: ${output}${existing.isDirectory() ? '' : ' is not a regular file: never replaced'}`)
  if (!force) throw new OutputExistsError(`Output exists: ${output} (--force replaces it)`)
}

/**
 * Puts the finished file at `output`: a hard link, which fails rather than replace a
 * file that appeared meanwhile; with `force`, a rename that replaces it atomically.
 */
export async function placeFile (from: string, output: string, force: boolean): Promise<void> {
  // looked at again here: what is at the output may have changed since the download started
  if (force) refuseExisting(output, await lstat(output).catch(() => undefined), true)
  try {
    if (force) await rename(from, output)
    else await link(from, output)
  } catch (err: any) {
    // a run killed right after linking left the output as another name of this very file: done already
    if (err.code === 'EEXIST' && await sameFile(from, output)) return
    throw err.code === 'EEXIST' ? new OutputExistsError(`Output exists: ${output}; the verified download stays at ${from}`) : fsError(err, output)
  }
}

/**
 * Puts a copy of the finished file at `from` where `destination` says, for a start that
 * joined a download going elsewhere (download-copies.ts), with the modes of a download;
 * `original` is where the download put the file itself: a destination naming that very
 * file gets it as it is. Returns the copy's path.
 */
export async function placeCopy (from: string, destination: DestinationOptions, metadata: FileMetadata, original?: string): Promise<string> {
  const output = await destinationPath(destination, metadata, original)
  if (output === original) return output
  // a name of its own (two copies at once), made here and nowhere else (EXCL: never through a link someone put there)
  const temp = siblingPath(output, `.peershare-copy-${randomBytes(4).toString('hex')}`)
  let made = false
  try {
    // a clone where the file system can (no second copy of the bytes), else a copy
    await copyFile(from, temp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL)
    made = true
    // the repo's blob is private to its user: the copy is the user's, as a download is
    const mode = userFileMode()
    if (mode != null) await chmod(temp, mode)
    await placeFile(temp, output, destination.force === true)
  } catch (err) {
    throw fsError(err, output)
  } finally {
    if (made) await rm(temp, { force: true })
  }
  return output
}

/** True when `name` is another name of the file at `file` (a symlink to it is not: replacing the link must not touch the file) */
export async function sameFile (file: string, name: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(file), lstat(name)]).catch(() => [undefined, undefined])
  return x != null && y != null && x.dev === y.dev && x.ino === y.ino
}

/**
 * The end of a download, every chunk written and synced: checks the whole-file
 * SHA-256, puts the file at its output (the blob path for a download into the repo)
 * and describes it as a stored file. For an encrypted file, `sealed` runs first, on the
 * complete ciphertext (it decrypts it to its own output): what it returns is recorded.
 */
export async function placeDownload (content: DownloadContent, transfer: TransferRecord, sealed?: (cipherPath: string) => Promise<FileRecord['encrypted']>): Promise<FileRecord> {
  const { manifest, partial } = content
  if (!(await content.wholeFileMatches())) {
    throw new PeerMisbehavedError(`The manifest of ${transfer.fileId} gives a SHA-256 its chunks do not have`)
  }
  await partial.close()
  const encrypted = manifest.encryption == null ? undefined : await sealed?.(partial.path)
  const output = transfer.output ?? ''
  const intoRepo = transfer.destination?.repo === true || transfer.decrypt != null
  await placeFile(partial.path, output, transfer.destination?.force === true || intoRepo)
  await partial.remove()
  const info = await stat(output)
  const location: FileLocation = intoRepo ? { kind: 'blob' } : { kind: 'path', path: output, size: info.size, mtimeMs: info.mtimeMs }
  return {
    fileId: transfer.fileId,
    sha256: bytesToHex(manifest.sha256),
    size: manifest.size,
    chunkSize: manifest.chunkSize,
    metadata: transfer.metadata ?? { name: transfer.fileId, mimeType: 'application/octet-stream', description: '', tags: [], created: 0 },
    location,
    added: Date.now(),
    ...(manifest.encryption == null ? {} : { ciphertext: true as const }),
    ...(encrypted == null ? {} : { encrypted })
  }
}
