/**
 * The root of peershare's typed errors, and the errors a client raises itself when it
 * checks input before asking a daemon. Each has a static `name` and a stable `code`
 * (the control API's), so callers branch on them, never on the message.
 */

export class PeershareError extends Error {
  static override name = 'PeershareError'
  override name = 'PeershareError'
  code = 'ERR_PEERSHARE'
}

/** A PeershareError subclass with its own static name and code */
export function defineError (name: string, code: string): typeof PeershareError {
  const cls = class extends PeershareError {
    static override name = name
    override name = name
    override code = code
  }
  return cls
}

/** A local path to share does not exist or is not a regular file */
export const PathNotFoundError = defineError('PathNotFoundError', 'ERR_PATH_NOT_FOUND')
/** The download destination exists already */
export const OutputExistsError = defineError('OutputExistsError', 'ERR_OUTPUT_EXISTS')
/** A request to the control API was malformed */
export const BadRequestError = defineError('BadRequestError', 'ERR_BAD_REQUEST')

/**
 * What `get --force` may replace at an output, as the CLI checks it before asking and the
 * daemon as it places the file: a file, or a symlink (the link itself, never what it
 * points to); never a folder, a device, a FIFO or a socket (`-o /dev/null --force`, as
 * root, replaced the device with a file)
 */
export function replaceableOutput (found: { isFile(): boolean, isSymbolicLink(): boolean }): boolean {
  return found.isFile() || found.isSymbolicLink()
}
