/**
 * The chunk picker's end game: once every missing chunk is in flight, an idle source may
 * fetch a chunk (or, if it answers parts, a part) another source is already fetching; the
 * first copy wins and the caller cancels the others. It takes the work expected last
 * (deepest in the queue of the slowest source, by the rates sources report), and only work
 * it could bring sooner: the chunk about to arrive anyway is no help, and a duplicate
 * slot is not spent on it. When MAX_DUPLICATES sources fetch it already, one with a known
 * rate that would bring it sooner than all of them takes the slowest one's place
 * (`EndGamePick.evict`): slow sources that copied each other's last parts no longer lock
 * a fast one out.
 */
import type { PickerSource, WorkKeys } from './work-keys.js'

/** Most sources fetching the same chunk in the end game */
export const MAX_DUPLICATES = 2

/** An end-game pick: a key, and the holder whose place it takes when every copy was taken */
export interface EndGamePick {
  key: number
  evict: string | undefined
}

/** What the end game reads of the picker (it changes nothing: the picker claims the pick) */
export interface EndGameView {
  readonly keys: WorkKeys
  readonly sources: ReadonlyMap<string, PickerSource>
  /** work key -> sources fetching it */
  readonly fetching: ReadonlyMap<number, ReadonlySet<string>>
  isDone: (index: number) => boolean
  /** chunk `index` is split and its part `part` has not arrived */
  partWanted: (index: number, part: number) => boolean
}

export class EndGame {
  constructor (private readonly view: EndGameView) {}

  /** Work another source fetches that source `id` could bring sooner; undefined if none */
  pick (id: string, source: PickerSource): EndGamePick | undefined {
    const { keys, fetching } = this.view
    const queued = keys.weightOf(source.inFlight)
    let best: EndGamePick | undefined
    let latest = -1
    let fewest = MAX_DUPLICATES + 1
    for (const [key, holders] of fetching) {
      if (holders.has(id)) continue
      const { index, part } = keys.workOf(key)
      if (!source.have.has(index) || this.view.isDone(index)) continue
      if (part !== undefined && (!source.parts || !this.view.partWanted(index, part))) continue
      const mine = source.rate > 0 ? (queued + keys.weight(key)) / source.rate : 0
      const arrival = this.expectedArrival(key, holders)
      if (arrival <= mine) continue
      // every copy is taken: a source with a known rate that beats them all takes the slowest one's place
      const evict = holders.size < MAX_DUPLICATES ? undefined : source.rate > 0 ? this.slowestHolder(key, holders) : null
      if (evict === null) continue
      if (arrival > latest || (arrival === latest && holders.size < fewest)) {
        best = { key, evict }
        latest = arrival
        fewest = holders.size
      }
    }
    return best
  }

  /** The holder of `key` expected to bring it last */
  private slowestHolder (key: number, holders: ReadonlySet<string>): string {
    let slowest = ''
    let latest = -1
    for (const holder of holders) {
      const arrival = this.arrivalFrom(key, holder)
      if (arrival > latest) {
        slowest = holder
        latest = arrival
      }
    }
    return slowest
  }

  /**
   * When work `key` should arrive, in chunk-times per byte/s (chunk sizes are equal, so
   * only the order matters; a part counts its share of a chunk): its place in the queue
   * of the holder that brings it first over that holder's rate; Infinity from a source
   * with no rate yet (new, or stalled)
   */
  private expectedArrival (key: number, holders: ReadonlySet<string>): number {
    let soonest = Number.POSITIVE_INFINITY
    for (const holder of holders) soonest = Math.min(soonest, this.arrivalFrom(key, holder))
    return soonest
  }

  /** When `holder` should bring work `key` (as `expectedArrival`, for one holder) */
  private arrivalFrom (key: number, holder: string): number {
    const source = this.view.sources.get(holder)
    if (source == null || source.rate <= 0) return Number.POSITIVE_INFINITY
    let place = 0
    for (const queued of source.inFlight) {
      place += this.view.keys.weight(queued)
      if (queued === key) break
    }
    return place / source.rate
  }
}
