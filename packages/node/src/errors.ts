/**
 * Typed node errors. Each has a static `name` and a stable `code` that the control
 * API returns to clients; the message is one line a user can act on.
 */
import { defineError as define } from '@peershare/client'

// the root class and the errors clients raise too live in @peershare/client
export { PeershareError, PathNotFoundError, OutputExistsError, BadRequestError } from '@peershare/client'

/** No local or remote copy of the file could be found */
export const FileNotFoundError = define('FileNotFoundError', 'ERR_FILE_NOT_FOUND')
/** A peer could not be dialled or did not answer in time */
export const PeerUnreachableError = define('PeerUnreachableError', 'ERR_PEER_UNREACHABLE')
/** A peer sent data that failed verification; the message names the peer */
export const PeerMisbehavedError = define('PeerMisbehavedError', 'ERR_PEER_MISBEHAVED')
/** A peer answered with a protocol failure (busy, bad request, ...) */
export const RemoteFailureError = define('RemoteFailureError', 'ERR_REMOTE_FAILURE')
/** The operation was cancelled by its AbortSignal */
export const AbortedError = define('AbortedError', 'ERR_ABORTED')
/** A repo, config file or stored record is unusable */
export const RepoError = define('RepoError', 'ERR_REPO')
/** A setting has a value that cannot work */
export const ConfigError = define('ConfigError', 'ERR_CONFIG')
/** The disk holding the repo or the download ran out of space */
export const DiskFullError = define('DiskFullError', 'ERR_DISK_FULL')

/** Turns a file system error into a typed one where the user can act on it; others pass through */
export function fsError (err: any, path: string): Error {
  if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') return new DiskFullError(`No space left on the device for ${path}`)
  return err
}
