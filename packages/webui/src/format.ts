/** Numbers for people: sizes, durations (rates: the client's formatRate) */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`
}


export function formatEta (seconds: number | null): string {
  if (seconds == null) return '?'
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`
}

export function formatDate (ms: number): string {
  return ms === 0 ? '' : new Date(ms).toLocaleString()
}

/** An ISO time from the daemon, in the browser's local time ('' when it does not parse) */
export function formatIsoDate (iso: string): string {
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? '' : formatDate(ms)
}
