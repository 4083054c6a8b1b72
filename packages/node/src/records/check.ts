/**
 * Small checks that turn a value read back from the datastore into a typed one or a
 * RecordInvalidError naming the field. Records are ours, but a disk, a crash or a
 * hand edit can leave anything in them, so nothing is trusted by its type alone.
 */
import { isAbsolute } from 'node:path'
import { RecordInvalidError } from '../errors.js'

export type Fields = Record<string, unknown>

/** Parses JSON bytes into an object; anything else is invalid */
export function jsonObject (bytes: Uint8Array): Fields {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err: any) {
    throw new RecordInvalidError(`not JSON: ${err.message}`)
  }
  return object(value, 'record')
}

export function object (value: unknown, field: string): Fields {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'an object')
  return value as Fields
}

export function string (value: unknown, field: string, maxLength = 4096): string {
  if (typeof value !== 'string' || value.length > maxLength) throw invalid(field, `a string of at most ${maxLength} characters`)
  return value
}

/** A path the node writes to or reads from: absolute, no NUL */
export function absolutePath (value: unknown, field: string): string {
  const path = string(value, field)
  if (!isAbsolute(path) || path.includes('\0')) throw invalid(field, 'an absolute path')
  return path
}

/** A whole number in [min, max] */
export function integer (value: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw invalid(field, `a whole number from ${min} to ${max}`)
  return value
}

/** A finite number (times, mtimes) */
export function finite (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'a number')
  return value
}

export function boolean (value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, 'true or false')
  return value
}

export function oneOf<T extends string> (value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(field, `one of ${allowed.join(', ')}`)
  return value as T
}

export function stringArray (value: unknown, field: string, maxItems: number, maxLength = 4096): string[] {
  if (!Array.isArray(value) || value.length > maxItems) throw invalid(field, `a list of at most ${maxItems} strings`)
  return value.map((item, i) => string(item, `${field}[${i}]`, maxLength))
}

/** `check(value)` when the field is present, else undefined */
export function optional<T> (value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value)
}

/** Runs `parse` (which throws the protocol's own errors) and reports any failure as this field */
export function parsed<T> (value: unknown, field: string, parse: (text: string) => T): T {
  const text = string(value, field)
  try {
    return parse(text)
  } catch (err: any) {
    throw new RecordInvalidError(`${field}: ${err.message}`)
  }
}

function invalid (field: string, what: string): Error {
  return new RecordInvalidError(`${field} is not ${what}`)
}
