/**
 * Writing a collection's tree under a root without ever leaving it: every path is
 * checked again here (the listing was validated, but this is the last line), every
 * existing parent is checked with lstat so a symlink planted in the target is refused
 * rather than followed, and files are created with O_EXCL | O_NOFOLLOW. Files and
 * directories get the modes the user's umask gives (not the daemon's 077): modes are
 * never taken from peers.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { type FileHandle, link, lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { checkCollectionPath, type Manifest, chunkOffset } from '@peershare/protocol'
import { OutputExistsError, OutputUnsafeError, fsError } from '../errors.js'
import { placeFile } from '../download/destination.js'
import { siblingPath } from '../download/partial-file.js'
import { userDirMode, userFileMode } from '../file-modes.js'
import { type ChunkReader, readChecked } from '../store/chunk-readers.js'

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/** The absolute path of a collection path under `root`; throws if it could leave it */
export function targetPath (root: string, path: string): string {
  checkCollectionPath(path)
  const target = join(root, ...path.split('/'))
  const rel = relative(root, target)
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || rel.split(sep).length !== path.split('/').length) {
    throw new OutputUnsafeError(`${JSON.stringify(path)} would be written outside ${root}`)
  }
  return target
}

/** Creates the directories of `path` (a collection path) under `root`, refusing symlinks and files in the way */
export async function ensureDirectories (root: string, segments: string[]): Promise<void> {
  let current = root
  for (const segment of segments) {
    current = join(current, segment)
    const info = await lstat(current).catch(() => undefined)
    if (info == null) {
      const created = await mkdir(current).then(() => true, async (err: any) => {
        if (err.code !== 'EEXIST') throw fsError(err, current)
        return false
      })
      const made = await lstat(current)
      if (!made.isDirectory()) throw new OutputUnsafeError(`${current} is not a directory`)
      // the daemon's umask (077) would leave it private: the user's own gives the mode, as for a download's file
      if (created) await chmodDirForUser(current)
    } else if (info.isSymbolicLink()) {
      throw new OutputUnsafeError(`${current} is a symbolic link: not followed`)
    } else if (!info.isDirectory()) {
      throw new OutputExistsError(`Output exists and is not a directory: ${current}`)
    }
  }
}

/** Creates an empty file; an empty regular file already there is fine */
export async function createEmptyFile (target: string, replace = false): Promise<void> {
  try {
    await (await createForUser(target)).close()
  } catch (err: any) {
    if (err.code !== 'EEXIST' && err.code !== 'ELOOP') throw fsError(err, target)
    const info = await lstat(target)
    if (info.isSymbolicLink()) throw new OutputUnsafeError(`${target} is a symbolic link: not followed`)
    if (info.isFile() && info.size === 0) return
    if (!replace || !info.isFile()) throw new OutputExistsError(`Output exists: ${target}`)
    // --force: an empty file of our own takes the old one's place in one step
    const tmp = siblingPath(target, '.peershare-copy')
    await rm(tmp, { force: true })
    try {
      await (await createForUser(tmp)).close()
      await rename(tmp, target)
    } catch (err) {
      await rm(tmp, { force: true })
      throw fsError(err, target)
    }
  }
}

/**
 * Copies a stored file to `target`, verifying every chunk on the way (the store's copy
 * may have rotted), through a new temporary name linked into place at the end.
 * Returns false, writing nothing, when the stored copy is damaged. A file at `target`
 * is refused, or with `replace` (`--force`) replaced in one step.
 */
export async function copyVerified (reader: ChunkReader, manifest: Manifest, target: string, replace = false): Promise<boolean> {
  // a name of its own: two copies to one target at once never write into each other's
  const tmp = siblingPath(target, `.peershare-copy-${randomBytes(4).toString('hex')}`)
  let handle: FileHandle
  try {
    handle = await createForUser(tmp)
  } catch (err: any) {
    if (err.code === 'EEXIST' || err.code === 'ELOOP') throw new OutputUnsafeError(`${tmp} appeared while copying: not followed`)
    throw fsError(err, tmp)
  }
  try {
    for (let i = 0; i < manifest.chunkHashes.length; i++) {
      const data = await readChecked(reader, manifest, i)
      if (data == null) return false
      await handle.write(data.subarray(), 0, data.byteLength, chunkOffset(manifest, i))
    }
    await handle.sync()
    await handle.close()
    // link, not rename, unless told to replace: a file that appeared meanwhile is refused, not overwritten;
    // a replace looks at the target again (a file or a symlink only, never a folder, device, FIFO or socket)
    if (replace) await placeFile(tmp, target, true)
    else {
      await link(tmp, target).catch((err: any) => {
        if (err.code === 'EEXIST') throw new OutputExistsError(`Output exists: ${target}`)
        // a link's error names its source, our temporary name: the user's is the target
        throw fsError(Object.assign(err, { path: target }), target)
      })
    }
    return true
  } finally {
    await handle.close().catch(() => {})
    await rm(tmp, { force: true })
  }
}

/**
 * Creates a new file (O_EXCL | O_NOFOLLOW) with the mode the user's umask gives: the
 * daemon's umask (077) would make it private, unlike the files a download saves
 */
async function createForUser (path: string): Promise<FileHandle> {
  const handle = await open(path, CREATE, 0o644)
  const mode = userFileMode()
  if (mode != null) {
    await handle.chmod(mode).catch(async (err: unknown) => {
      // not left behind private: a later run would take an empty one as made
      await handle.close()
      await rm(path, { force: true })
      throw fsError(err, path)
    })
  }
  return handle
}

/** A directory just made gets the user's mode, through a handle that does not follow a symlink put in its place */
async function chmodDirForUser (dir: string): Promise<void> {
  const mode = userDirMode()
  if (mode == null) return
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((err: any) => {
    throw err.code === 'ELOOP' || err.code === 'ENOTDIR' ? new OutputUnsafeError(`${dir} is not a directory (a symbolic link?): not followed`) : fsError(err, dir)
  })
  try {
    await handle.chmod(mode)
  } catch (err) {
    throw fsError(err, dir)
  } finally {
    await handle.close()
  }
}
