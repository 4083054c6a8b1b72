/**
 * File modes. Everything under the repo is private to its user (directories 0700,
 * files 0600). LevelDB creates its files with the process umask and has no mode
 * option, so the daemon runs with umask 077 (`usePrivateUmask`); what it creates for
 * the user outside the repo (downloads and their directories) gets the modes the
 * user's own umask gives, as any other program's output would.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { RepoError } from './errors.js'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** The user's umask, once the process switched to the private one */
let userUmask: number | undefined

/** Makes every file the process creates from now on private (umask 077); idempotent */
export function usePrivateUmask (): void {
  userUmask ??= process.umask(0o077)
}

/** The mode for a file created for the user, or undefined when the umask was never changed (nothing to undo) */
export function userFileMode (): number | undefined {
  return userUmask == null ? undefined : 0o666 & ~userUmask
}

/** The mode for a directory created for the user, or undefined when the umask was never changed */
export function userDirMode (): number | undefined {
  return userUmask == null ? undefined : 0o777 & ~userUmask
}

/** Creates a directory and its missing parents with the modes the user's umask gives */
export async function mkdirForUser (dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true })
  const mode = userDirMode()
  if (first == null || mode == null) return
  // every directory from `dir` up to the first one created
  for (let d = dir; ; d = dirname(d)) {
    await chmod(d, mode)
    if (d === first || dirname(d) === d) break
  }
}

/**
 * Sets every directory under `root` (and root) to 0700 and every file to 0600: for
 * repos made before modes were enforced, or files copied in by hand. Symlinks are
 * left alone (never followed).
 */
export async function makePrivate (root: string): Promise<void> {
  await fixMode(root, PRIVATE_DIR_MODE)
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name)
    if (entry.isDirectory()) await makePrivate(path)
    else if (entry.isFile()) await fixMode(path, PRIVATE_FILE_MODE)
  }
}

async function fixMode (path: string, mode: number): Promise<void> {
  try {
    if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode)
  } catch (err: any) {
    throw new RepoError(`Cannot make ${path} private to its user (mode ${mode.toString(8)}): ${err.code ?? err.message}; is the repo another user's?`)
  }
}
