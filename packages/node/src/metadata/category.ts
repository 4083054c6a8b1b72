/** The category an offer is listed under */
import { CATEGORIES, type Category, categoryForMime } from '@peershare/protocol'

/**
 * A file's category: the one the user gave, else the one it had (a re-share without
 * `--category` keeps an earlier choice), else the one its MIME type falls in.
 */
export function chooseCategory (mimeType: string, given?: Category, previous?: Category): Category {
  return given ?? previous ?? categoryForMime(mimeType)
}

/** The category holding the most bytes among `files` (ties: the earlier in CATEGORIES order); 'other' for none */
export function dominantCategory (files: Array<{ size: number, category: Category }>): Category {
  const bytes = new Map<Category, number>()
  for (const f of files) bytes.set(f.category, (bytes.get(f.category) ?? 0) + f.size)
  let best: Category = 'other'
  let most = -1
  for (const [category, total] of bytes) {
    if (total > most || (total === most && rank(category) < rank(best))) {
      best = category
      most = total
    }
  }
  return best
}

function rank (category: Category): number {
  return CATEGORIES.indexOf(category)
}
