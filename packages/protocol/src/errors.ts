/**
 * Typed errors for untrusted input. Each has a static `name` (what tests and callers
 * match on) and a stable `code` that the control API passes to clients.
 */

export class ProtocolError extends Error {
  static override name = 'ProtocolError'
  override name = 'ProtocolError'
  code = 'ERR_PROTOCOL'
}

/** Bytes that do not decode, or decode to values outside their allowed range */
export class InvalidMessageError extends ProtocolError {
  static override name = 'InvalidMessageError'
  override name = 'InvalidMessageError'
  override code = 'ERR_INVALID_MESSAGE'
}

/** A manifest whose bytes do not hash to the file id asked for, or that is malformed */
export class InvalidManifestError extends ProtocolError {
  static override name = 'InvalidManifestError'
  override name = 'InvalidManifestError'
  override code = 'ERR_INVALID_MANIFEST'
}

/** Chunk bytes whose SHA-256 is not the one in the verified manifest */
export class ChunkVerificationError extends ProtocolError {
  static override name = 'ChunkVerificationError'
  override name = 'ChunkVerificationError'
  override code = 'ERR_CHUNK_VERIFICATION'
}

/** Text that is neither a file id nor a SHA-256 */
export class InvalidFileIdError extends ProtocolError {
  static override name = 'InvalidFileIdError'
  override name = 'InvalidFileIdError'
  override code = 'ERR_INVALID_FILE_ID'
}

/** A file name that cannot be made safe (empty after sanitising) */
export class InvalidFileNameError extends ProtocolError {
  static override name = 'InvalidFileNameError'
  override name = 'InvalidFileNameError'
  override code = 'ERR_INVALID_FILE_NAME'
}

/** Text that starts like a ticket but is damaged (typo, cut off), malformed, or of an unknown version */
export class InvalidTicketError extends ProtocolError {
  static override name = 'InvalidTicketError'
  override name = 'InvalidTicketError'
  override code = 'ERR_INVALID_TICKET'
}

/** A collection listing that does not match its id, is malformed, or names an unsafe path */
export class InvalidCollectionError extends ProtocolError {
  static override name = 'InvalidCollectionError'
  override name = 'InvalidCollectionError'
  override code = 'ERR_INVALID_COLLECTION'
}

/** An offer that does not decode, breaks a limit, or is not in canonical encoding */
export class InvalidOfferError extends ProtocolError {
  static override name = 'InvalidOfferError'
  override name = 'InvalidOfferError'
  override code = 'ERR_INVALID_OFFER'
}

/** An offer of a format version this node does not know (a newer peer): ignored, never held against the sender */
export class UnsupportedOfferVersionError extends ProtocolError {
  static override name = 'UnsupportedOfferVersionError'
  override name = 'UnsupportedOfferVersionError'
  override code = 'ERR_UNSUPPORTED_OFFER_VERSION'
}
