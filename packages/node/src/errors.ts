/**
 * Typed node errors. Each has a static `name` and a stable `code` that the control
 * API returns to clients; the message is one line a user can act on.
 */
import { BadRequestError, defineError as define } from '@peershare/client'
import { MAX_NAME_BYTES } from '@peershare/protocol'

// the root class and the errors clients raise too live in @peershare/client
export { PeershareError, PathNotFoundError, OutputExistsError, BadRequestError } from '@peershare/client'

/** No local or remote copy of the file could be found */
export const FileNotFoundError = define('FileNotFoundError', 'ERR_FILE_NOT_FOUND')
/** An id prefix that names more than one file or download */
export const AmbiguousIdError = define('AmbiguousIdError', 'ERR_AMBIGUOUS_ID')
/** A download would write through a symlink or over something that is not ours (a collection's target tree) */
export const OutputUnsafeError = define('OutputUnsafeError', 'ERR_OUTPUT_UNSAFE')
/** A peer could not be dialled or did not answer in time */
export const PeerUnreachableError = define('PeerUnreachableError', 'ERR_PEER_UNREACHABLE')
/** A peer sent data that failed verification; the message names the peer */
export const PeerMisbehavedError = define('PeerMisbehavedError', 'ERR_PEER_MISBEHAVED')
/** A chunk of a file this node stores fails its own hash (or cannot be read): it is never sent */
export const ChunkDamagedError = define('ChunkDamagedError', 'ERR_CHUNK_DAMAGED')
/** A file was written to, replaced or truncated while it was being shared: nothing was recorded */
export const FileChangedError = define('FileChangedError', 'ERR_FILE_CHANGED')
/** A peer answered with a protocol failure (busy, bad request, ...) */
export const RemoteFailureError = define('RemoteFailureError', 'ERR_REMOTE_FAILURE')
/** A peer refused for now because it is at a limit (Failure busy); asking again later may work */
export const SourceBusyError = define('SourceBusyError', 'ERR_SOURCE_BUSY')
/** A file's manifest gives another size than the download was told to expect (a replica request's stated size): nothing was fetched */
export const SizeMismatchError = define('SizeMismatchError', 'ERR_SIZE_MISMATCH')
/** A download was asked to pause, resume or cancel after it finished: the file is in place */
export const TransferFinishedError = define('TransferFinishedError', 'ERR_TRANSFER_FINISHED')
/** A download did not finish within the time the caller gave; it is left paused */
export const DownloadTimeoutError = define('DownloadTimeoutError', 'ERR_TIMEOUT')
/** The operation was cancelled by its AbortSignal */
export const AbortedError = define('AbortedError', 'ERR_ABORTED')
/** A repo, config file or stored record is unusable */
export const RepoError = define('RepoError', 'ERR_REPO')
/** A record read back from the datastore does not have the shape or values it must: it is set aside (quarantined) */
export const RecordInvalidError = define('RecordInvalidError', 'ERR_RECORD_INVALID')
/** A setting has a value that cannot work */
export const ConfigError = define('ConfigError', 'ERR_CONFIG')
/** A port the node should listen on is held by another program */
export const PortInUseError = define('PortInUseError', 'ERR_PORT_IN_USE')
/** The disk holding the repo or the download ran out of space */
export const DiskFullError = define('DiskFullError', 'ERR_DISK_FULL')
/** A file or folder to share (or a download's destination) cannot be read or written by the node */
export const PermissionDeniedError = define('PermissionDeniedError', 'ERR_PERMISSION_DENIED')

/** A Node-only part (a download into the repo, a thumbnail on disk) needs a blob's path, and the node's blob store keeps no files */
export const NoBlobPathError = define('NoBlobPathError', 'ERR_NO_BLOB_PATH')

/** A `--thumbnail` that is not an image the node decodes (JPEG, PNG, WebP, GIF, AVIF, TIFF; not SVG), or has too many pixels */
export const InvalidThumbnailError = define('InvalidThumbnailError', 'ERR_INVALID_THUMBNAIL')
/** A category that is not one of the offer categories (video, audio, image, document, archive, software, other) */
export const InvalidCategoryError = define('InvalidCategoryError', 'ERR_INVALID_CATEGORY')

/** An encrypted file this node holds no key for (none was granted to it, or it could not be opened) */
export const NoFileKeyError = define('NoFileKeyError', 'ERR_NO_FILE_KEY')
/** A ciphertext chunk, sealed metadata or wrapped key failed authentication: wrong key, or the bytes were changed */
export const DecryptionError = define('DecryptionError', 'ERR_DECRYPTION')
/** A recipient of an encrypted share that is not an Ed25519 peer id (keys are wrapped to those only) */
export const InvalidRecipientError = define('InvalidRecipientError', 'ERR_INVALID_RECIPIENT')
/** No grant of that file to that peer (revoke), or none could be fetched */
export const GrantNotFoundError = define('GrantNotFoundError', 'ERR_GRANT_NOT_FOUND')
/** A grant past a bound: too many grants waiting for delivery (doc/LIMITS.md) */
export const GrantLimitError = define('GrantLimitError', 'ERR_GRANT_LIMIT')

/** A name or peer id that is not one of this node's contacts (and, for a name, not a peer id either) */
export const ContactNotFoundError = define('ContactNotFoundError', 'ERR_CONTACT_NOT_FOUND')
/** A contact name already given to another contact (names are unique, ignoring case) */
export const ContactNameTakenError = define('ContactNameTakenError', 'ERR_CONTACT_NAME_TAKEN')
/** The contact list is full (MAX_CONTACTS) */
export const TooManyContactsError = define('TooManyContactsError', 'ERR_TOO_MANY_CONTACTS')

/** Turns a file system error into a typed one where the user can act on it; others pass through */
export function fsError (err: any, path: string): Error {
  if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') return new DiskFullError(`No space left on the device for ${path}`)
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new PermissionDeniedError(`Permission denied: ${err.path ?? path} (check its owner and mode)`)
  if (err?.code === 'ENAMETOOLONG') return new BadRequestError(`File name too long for the file system: ${err.path ?? path} (at most ${MAX_NAME_BYTES} bytes a name)`)
  return err
}
/** A source reachable only through a relay was cut off by the relay's limits (bytes or time per relayed connection) */
export const RelayLimitedError = define('RelayLimitedError', 'ERR_RELAY_LIMITED')
