/** Times of the original file that an offer carries */
import type { Stats } from 'node:fs'

export interface OriginalTimes {
  /** unix ms the file was created: its birth time where the file system keeps one, else its last modification */
  created: number
  /** unix ms it was last modified */
  modified: number
}

export function originalTimes (info: Pick<Stats, 'birthtimeMs' | 'mtimeMs'>): OriginalTimes {
  const modified = Math.max(0, Math.floor(info.mtimeMs))
  // Node reports 0 where the file system (or an old kernel without statx) has no birth time
  const born = Math.floor(info.birthtimeMs)
  return { created: born > 0 ? born : modified, modified }
}
