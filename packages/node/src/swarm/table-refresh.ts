/**
 * When a DHT's routing table is refreshed early on, beyond kad-dht's own schedule
 * (its walk towards its own id a second after start, then a refresh every five minutes).
 * A node that joined through one bootstrap peer, or while the swarm was still small,
 * can sit with a near-empty table: in the bench's 100-node swarm the nodes started
 * last kept 1 to 16 peers for minutes after fixed refreshes at 5, 20 and 60 s.
 *
 * So the refreshes follow the table: the first 5 s after start, then after a wait that
 * doubles (10, 20, 40 s... up to 5 minutes). A table of k (20) peers or more is refreshed
 * while the wait is under a minute (5, 15, 35 and 75 s after start), then left to
 * kad-dht; a smaller one, too small to fill one answer, keeps being refreshed every
 * 5 minutes, as go-libp2p-kad-dht refreshes whenever its table is low. A swarm that stays
 * small (a few peers on a LAN) is asked every 5 minutes, not every few seconds. The wait
 * does not shorten when a small table grows: in a swarm starting all at once every table
 * is small and growing, and refreshing each every 5 s loaded the bench's 100-node start
 * until a node still had an empty table after 90 s.
 */

/** One DHT as the refresher sees it */
export interface RefreshableTable {
  /** peers in its routing table now */
  size: () => number
  /** starts a refresh of its routing table (kad-dht's `refreshRoutingTable`: a walk per bucket) */
  refresh: () => void
}

export interface TableRefreshTimes {
  /** the first wait after start */
  firstMs: number
  /** the longest wait */
  maxMs: number
  /** past this wait a table of `smallPeers` or more is left to kad-dht's own refreshes */
  earlyMs: number
  /** a table of fewer peers is small */
  smallPeers: number
}

export const TABLE_REFRESH_TIMES: TableRefreshTimes = { firstMs: 5_000, maxMs: 5 * 60_000, earlyMs: 60_000, smallPeers: 20 }

export class TableRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined
  private wait = 0

  constructor (private readonly table: RefreshableTable, private readonly log: (msg: string, ...args: unknown[]) => void,
    private readonly times: TableRefreshTimes = TABLE_REFRESH_TIMES) {}

  start (): void {
    this.stop()
    this.wait = this.times.firstMs
    this.schedule()
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (): void {
    this.timer = setTimeout(() => { this.tick() }, this.wait)
    // never keeps the process alive
    this.timer.unref?.()
  }

  private tick (): void {
    const size = this.table.size()
    const small = size < this.times.smallPeers
    if (!small && this.wait > this.times.earlyMs) {
      this.log('routing table of %d peers: early refreshes done', size)
      return
    }
    this.table.refresh()
    this.wait = Math.min(2 * this.wait, this.times.maxMs)
    this.log('routing table of %d peers refreshed; next in %d ms', size, this.wait)
    this.schedule()
  }
}
