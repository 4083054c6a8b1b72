/**
 * The parts of a client that need Node.js (a file system, a home directory): where the
 * repo is and how to reach the daemon running on it. Imported as `@peershare/client/repo`,
 * so the main entry stays usable in a browser.
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { ApiEndpoint } from './api-types.js'
import { ControlClient, daemonNotRunning } from './control-client.js'
import { nodeHttp } from './node-http.js'

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

/**
 * The client for the daemon running on `repo`, from its `api.json`. Throws
 * DaemonNotRunningError (naming the repo and how to start a daemon) when there is
 * none; a stale file (the daemon was killed) gives the same error on the first request.
 */
export async function connectToRepo (repo: string): Promise<ControlClient> {
  let endpoint: ApiEndpoint
  try {
    endpoint = JSON.parse(await readFile(apiFilePath(repo), 'utf8')) as ApiEndpoint
  } catch {
    throw daemonNotRunning(repo)
  }
  return new ControlClient(endpoint, { repo, transport: nodeHttp })
}
export { nodeHttp } from './node-http.js'
