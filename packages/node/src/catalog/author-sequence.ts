/**
 * This node's own per-author sequence number: every offer, update and tombstone it
 * signs gets a higher one than the last, also across restarts. `seq = max(last + 1,
 * now_ms * 1000)`: clock-seeded, so a repo recreated from scratch (the last value
 * lost) still moves forward as long as the clock does; persisted before the offer it
 * numbers leaves the node, so a crash right after publishing never reuses one.
 */
import { Key, type Datastore } from 'interface-datastore'

const SEQ_KEY = new Key('/peershare/catalog/seq')

export class AuthorSequence {
  private last: bigint | undefined
  /** one allocation at a time: two offers never get the same number */
  private queue: Promise<unknown> = Promise.resolve()

  constructor (private readonly datastore: Datastore, private readonly now: () => number = Date.now) {}

  /** The next sequence number, already persisted */
  async next (): Promise<bigint> {
    const run = this.queue.then(async () => {
      const last = this.last ?? await this.load()
      const clock = BigInt(Math.floor(this.now())) * 1000n
      const seq = last + 1n > clock ? last + 1n : clock
      await this.datastore.put(SEQ_KEY, new TextEncoder().encode(seq.toString()))
      this.last = seq
      return seq
    })
    this.queue = run.catch(() => {})
    return run
  }

  /** The last number handed out (0 before the first) */
  async current (): Promise<bigint> {
    await this.queue
    return this.last ?? await this.load()
  }

  /** A value that does not parse reads as 0: the clock seed still keeps the sequence going up */
  private async load (): Promise<bigint> {
    try {
      const text = new TextDecoder().decode(await this.datastore.get(SEQ_KEY))
      this.last = /^\d{1,20}$/.test(text) ? BigInt(text) : 0n
    } catch {
      this.last = 0n
    }
    return this.last
  }
}
