/**
 * Bandwidth rates as people type them: `8MiB/s`, `1.5MB`, `500k`, `unlimited`.
 *
 * Hand-written rather than a dependency: the common `bytes` package treats `KB` as
 * 1024, so SI (`MB` = 1000^2) and binary (`MiB` = 1024^2) units could not both be
 * expressed, and a user's `10MB` would silently mean something else than they wrote.
 */
import { PeershareError } from './errors.js'

/** A rate could not be parsed, or is negative, not finite or too small to mean anything */
export class InvalidRateError extends PeershareError {
  static override name = 'InvalidRateError'
  override name = 'InvalidRateError'
  override code = 'ERR_INVALID_RATE'
}

const KI = 1024
/** Lower-case unit -> bytes. Bare K/M/G are binary, as in curl, rsync and most tools */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: KI,
  mib: KI ** 2,
  gib: KI ** 3,
  k: KI,
  m: KI ** 2,
  g: KI ** 3
}

// number (no sign, no exponent), optional space, optional unit, optional "/s"
const RATE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)(?:\/s)?$/i

/** Bytes per second from text; 0 means unlimited. Throws InvalidRateError */
export function parseRate (text: string): number {
  const trimmed = String(text).trim()
  if (/^(unlimited|none)$/i.test(trimmed)) return 0
  const match = RATE.exec(trimmed)
  const unit = match == null ? undefined : UNITS[match[2].toLowerCase()]
  if (match == null || unit == null) throw new InvalidRateError(`Invalid rate "${text}": expected e.g. 8MiB/s, 1.5MB, 500k or unlimited`)
  const value = Number(match[1])
  const bytes = Math.round(value * unit)
  // a tiny positive rate must not round to 0, which would mean unlimited
  if (value > 0 && bytes === 0) throw new InvalidRateError(`Invalid rate "${text}": less than 1 B/s`)
  if (!Number.isSafeInteger(bytes)) throw new InvalidRateError(`Invalid rate "${text}": too large`)
  return bytes
}

const FORMAT_UNITS = ['B', 'KiB', 'MiB', 'GiB']

/** 0 -> "unlimited", 8388608 -> "8 MiB/s", 1536 -> "1.5 KiB/s"; parseRate reads it back */
export function formatRate (bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) throw new InvalidRateError(`Invalid rate ${bytesPerSecond}`)
  if (bytesPerSecond === 0) return 'unlimited'
  let value = Math.max(1, Math.round(bytesPerSecond))
  let unit = 0
  while (value >= KI && unit < FORMAT_UNITS.length - 1) {
    value /= KI
    unit++
  }
  let rounded = Math.round(value * 10) / 10
  // 1023.96 KiB would print as "1024 KiB": show the next unit instead
  if (rounded >= KI && unit < FORMAT_UNITS.length - 1) {
    rounded = 1
    unit++
  }
  return `${rounded} ${FORMAT_UNITS[unit]}/s`
}

/** A size could not be parsed (`--min-size`, `--max-size`) */
export class InvalidSizeError extends PeershareError {
  static override name = 'InvalidSizeError'
  override name = 'InvalidSizeError'
  override code = 'ERR_INVALID_SIZE'
}

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i

/** Bytes from text with the same units as rates: `700MB`, `1.5GiB`, `500k`, `1024`. Throws InvalidSizeError */
export function parseSize (text: string): number {
  const match = SIZE.exec(String(text).trim())
  const unit = match == null ? undefined : UNITS[match[2].toLowerCase()]
  if (match == null || unit == null) throw new InvalidSizeError(`Invalid size "${text}": expected e.g. 700MB, 1.5GiB, 500k or 1024`)
  const bytes = Math.round(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes)) throw new InvalidSizeError(`Invalid size "${text}": too large`)
  return bytes
}
