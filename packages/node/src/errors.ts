/**
 * Typed node errors. Each has a static `name` and a stable `code` that the control
 * API returns to clients; the message is one line a user can act on.
 */

export class PeershareError extends Error {
  static override name = 'PeershareError'
  override name = 'PeershareError'
  code = 'ERR_PEERSHARE'
}

function define (name: string, code: string): typeof PeershareError {
  const cls = class extends PeershareError {
    static override name = name
    override name = name
    override code = code
  }
  return cls
}

/** No local or remote copy of the file could be found */
export const FileNotFoundError = define('FileNotFoundError', 'ERR_FILE_NOT_FOUND')
/** A local path to share does not exist or is not a regular file */
export const PathNotFoundError = define('PathNotFoundError', 'ERR_PATH_NOT_FOUND')
/** The download destination exists already */
export const OutputExistsError = define('OutputExistsError', 'ERR_OUTPUT_EXISTS')
/** A download would write through a symlink or over something that is not ours (a collection's target tree) */
export const OutputUnsafeError = define('OutputUnsafeError', 'ERR_OUTPUT_UNSAFE')
/** A peer could not be dialled or did not answer in time */
export const PeerUnreachableError = define('PeerUnreachableError', 'ERR_PEER_UNREACHABLE')
/** A peer sent data that failed verification; the message names the peer */
export const PeerMisbehavedError = define('PeerMisbehavedError', 'ERR_PEER_MISBEHAVED')
/** A peer answered with a protocol failure (busy, bad request, ...) */
export const RemoteFailureError = define('RemoteFailureError', 'ERR_REMOTE_FAILURE')
/** The operation was cancelled by its AbortSignal */
export const AbortedError = define('AbortedError', 'ERR_ABORTED')
/** A request to the control API was malformed */
export const BadRequestError = define('BadRequestError', 'ERR_BAD_REQUEST')
/** A repo, config file or stored record is unusable */
export const RepoError = define('RepoError', 'ERR_REPO')
/** A setting has a value that cannot work */
export const ConfigError = define('ConfigError', 'ERR_CONFIG')
/** The disk holding the repo or the download ran out of space */
export const DiskFullError = define('DiskFullError', 'ERR_DISK_FULL')
/** A file or folder to share (or a download's destination) cannot be read or written by the node */
export const PermissionDeniedError = define('PermissionDeniedError', 'ERR_PERMISSION_DENIED')

/** Turns a file system error into a typed one where the user can act on it; others pass through */
export function fsError (err: any, path: string): Error {
  if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') return new DiskFullError(`No space left on the device for ${path}`)
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new PermissionDeniedError(`Permission denied: ${err.path ?? path} (check its owner and mode)`)
  return err
}
