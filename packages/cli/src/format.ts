/** Human-readable sizes, rates, durations and tables: the little the CLI needs, no dependency */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 1023 -> "1023 B", 3145745 -> "3.0 MiB" (binary units, one decimal) */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${bytes} B`
  // 1023.96 KiB would print as "1024.0 KiB": show the next unit instead
  if (value >= 1023.95 && unit < UNITS.length - 1) return `1.0 ${UNITS[unit + 1]}`
  return `${value.toFixed(1)} ${UNITS[unit]}`
}

/** A size with its exact byte count when the unit rounds it ("3.0 MiB (3145745 bytes)"); "1 B", not "1 B (1 bytes)" */
export function formatSize (bytes: number): string {
  return bytes < 1024 ? formatBytes(bytes) : `${formatBytes(bytes)} (${bytes} bytes)`
}

/** Bytes per second -> "12.3 MiB/s" */
export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`
}

/** Seconds -> "42s", "3m07s", "2h05m"; "--" when unknown */
export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`
  return `${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m`
}

/** Why a download is stalled, and when it looks again: "providers unreachable: …; looking again in 4 s" */
export function stallNote (t: { stallReason: string | null, stallMessage: string | null, nextLookIn: number | null }): string {
  const why = t.stallMessage ?? t.stallReason ?? 'stalled'
  return t.nextLookIn == null ? why : `${why}; looking again in ${t.nextLookIn} s`
}

/**
 * "relayed (limited)" while a running download's only sources are reached through
 * relays that cap each connection's bytes and time (it may be cut off at the cap); empty otherwise
 */
export function routeNote (t: { state: string, sourceStats: Array<{ active: boolean, via?: string }> }): string {
  const active = t.sourceStats.filter(s => s.active)
  if (t.state !== 'running' || active.length === 0 || !active.every(s => s.via === 'relayed (limited)')) return ''
  return 'relayed (limited)'
}

function pad2 (n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * Left-aligned columns separated by two spaces; `right` lists the columns to
 * right-align (numbers). The last column is not padded, so lines carry no trailing spaces.
 */
export function formatTable (header: string[], rows: string[][], right: number[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells
    .map((cell, i) => {
      if (right.includes(i)) return cell.padStart(widths[i])
      return i === cells.length - 1 ? cell : cell.padEnd(widths[i])
    })
    .join('  ')
  return [line(header), ...rows.map(line)]
}
