/**
 * The parts of a client that need Node.js (a file system, a home directory): where the
 * repo is and how to reach the daemon running on it. Imported as `@peershare/client/repo`,
 * so the main entry stays usable in a browser.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The file in the repo where a running daemon writes its control API endpoint */
export const API_FILE = 'api.json'

/** Where the repo lives: `$PEERSHARE_REPO`, else `~/.peershare` */
export function defaultRepoPath (env: NodeJS.ProcessEnv = process.env): string {
  return env.PEERSHARE_REPO != null && env.PEERSHARE_REPO !== '' ? env.PEERSHARE_REPO : join(homedir(), '.peershare')
}

/** `<repo>/api.json` */
export function apiFilePath (repo: string): string {
  return join(repo, API_FILE)
}
