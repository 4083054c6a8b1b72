/**
 * What a contact name may be: one line a user types, 1 to MAX_CONTACT_NAME_LENGTH
 * characters, no control characters, no surrounding spaces, and never something that
 * reads as a peer id (so `resolve` is never ambiguous between a name and an id).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { BadRequestError } from '../errors.js'

/** Contacts a node keeps; adding past it fails with TooManyContactsError */
export const MAX_CONTACTS = 10_000
/** Longest contact name, in characters */
export const MAX_CONTACT_NAME_LENGTH = 64

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/

/** The name as kept, or throws BadRequestError saying what is wrong with it */
export function checkContactName (name: unknown): string {
  if (typeof name !== 'string') throw new BadRequestError('A contact name is text')
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_CONTACT_NAME_LENGTH) throw new BadRequestError(`A contact name has 1 to ${MAX_CONTACT_NAME_LENGTH} characters`)
  if (CONTROL.test(trimmed)) throw new BadRequestError('A contact name has no control or direction characters')
  if (isPeerId(trimmed)) throw new BadRequestError('A contact name must not read as a peer id')
  return trimmed
}

/** Names compare ignoring case: `Alice` and `alice` are one name */
export function nameKey (name: string): string {
  return name.toLowerCase()
}

export function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}
