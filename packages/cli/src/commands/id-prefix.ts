/** File ids typed by hand: the full id or any unique prefix of it (the daemon resolves it) */
import { InvalidFileIdError } from '@peershare/protocol'

/** Checks that the text can be a file id or a prefix of one (letters and digits), without a daemon */
export function checkIdPrefix (text: string): void {
  if (!/^[A-Za-z0-9]+$/.test(text)) throw new InvalidFileIdError(`Not a file id or a prefix of one: ${JSON.stringify(text.slice(0, 80))}`)
}
