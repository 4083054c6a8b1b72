/**
 * How offer text becomes search terms. File names join words with `_`, `.` and `-`
 * (`Holiday_2019-final.mp4`), so everything that is not a letter or a digit splits;
 * camelCase words (`HolidayVideo`) are indexed whole and in their parts. Terms are
 * lowercased by MiniSearch's default processTerm.
 */

/** Splits on every run of characters that are neither letters nor digits (covers `[\s_.\-]+`) */
const SEPARATORS = /[^\p{L}\p{N}]+/u
/** a lower-case letter or digit followed by an upper-case one: a camelCase boundary */
const CAMEL = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})/u

/** Terms of indexed text: words, and the parts of camelCase words */
export function tokenizeField (text: string): string[] {
  const terms: string[] = []
  for (const word of text.split(SEPARATORS)) {
    if (word === '') continue
    terms.push(word)
    const parts = word.split(CAMEL)
    if (parts.length > 1) terms.push(...parts)
  }
  return terms
}

/** Terms of a query: words only (a camelCase query word matches the whole indexed word) */
export function tokenizeQuery (text: string): string[] {
  return text.split(SEPARATORS).filter(w => w !== '')
}
