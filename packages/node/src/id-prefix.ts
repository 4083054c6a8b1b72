/**
 * Unique id prefixes, as git and docker take them: `pause bahsaaa3x` names the one
 * download whose file id starts so. Resolved in the node, so every client gets it.
 */
import { AmbiguousIdError, FileNotFoundError } from './errors.js'

/** Ids listed in an ambiguity error; the count says how many more there are */
const MAX_LISTED = 5

/**
 * The one candidate `text` names: an exact match, or the only one starting with it.
 * Text that names none is returned as it is when `passThrough` accepts it (a full id
 * the caller reports on itself), else it is a FileNotFoundError.
 */
export function resolvePrefix (text: string, candidates: Iterable<string>, what: string, passThrough: (text: string) => boolean = () => false): string {
  const prefix = text.trim()
  const all = [...new Set(candidates)]
  if (all.includes(prefix)) return prefix
  const matches = prefix === '' ? [] : all.filter(id => id.startsWith(prefix)).sort()
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    const listed = matches.slice(0, MAX_LISTED).join(', ')
    const more = matches.length > MAX_LISTED ? ` and ${matches.length - MAX_LISTED} more` : ''
    throw new AmbiguousIdError(`${prefix} matches ${matches.length} ${what}s (${listed}${more}): give more of the id`)
  }
  if (passThrough(prefix)) return prefix
  throw new FileNotFoundError(`No ${what} matches ${prefix}`)
}
