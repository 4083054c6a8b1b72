/**
 * A slow, long link in its own process: a TCP proxy on 127.0.0.1 per link, each
 * forwarding to a target port through an emulated path that delays each direction by
 * RTT/2 and caps it at a rate. Every direction is a bottleneck (bytes leave it at the
 * rate, in order) followed by a propagation delay; the bytes "on the wire" (rate x
 * delay) are held here, so a sender sees a link with that bandwidth-delay product.
 * The bottleneck queue is bounded like a router's (`queueBytes`): past it the proxy
 * stops reading the sender's socket, and loopback TCP pushes back on the sender.
 *
 *   link-relay <json>   json: [{ target: port, rttMs, rate: bytes/s, queueBytes? }]
 *
 * Reports { type: 'ready', ports } (one listening port per link, in order), runs until 'stop'.
 */
import { createServer, type Server, type Socket, connect } from 'node:net'
import { receive, runWorker, send } from './worker-ipc.js'

export interface LinkSpec {
  /** port on 127.0.0.1 the link leads to */
  target: number
  /** round-trip delay added, ms (each direction gets half) */
  rttMs: number
  /** bandwidth of each direction, bytes/s */
  rate: number
  /** bottleneck queue, bytes (default: the larger of 64 KiB and rate x RTT, a common router sizing) */
  queueBytes?: number
}

/** Largest piece the bottleneck sends at once: keeps the output smooth at low rates */
const PIECE = 16 * 1024

/** One direction of a link: a bottleneck at `rate`, then `delayMs` of propagation */
class LinkDirection {
  /** pieces in order, each with the time it arrives at the far end */
  private readonly queue: Array<{ data: Buffer, deliverAt: number }> = []
  private nextFree = 0
  private timer: NodeJS.Timeout | undefined
  private ended = false

  constructor (private readonly from: Socket, private readonly to: Socket, private readonly delayMs: number, private readonly rate: number, private readonly queueBytes: number) {
    from.on('data', (data: Buffer) => this.enqueue(data))
    from.on('end', () => { this.ended = true; this.flush() })
    to.on('drain', () => this.flush())
  }

  private enqueue (data: Buffer): void {
    const now = performance.now()
    for (let at = 0; at < data.byteLength; at += PIECE) {
      const piece = data.subarray(at, at + PIECE)
      const departAt = Math.max(now, this.nextFree) + piece.byteLength * 1000 / this.rate
      this.nextFree = departAt
      this.queue.push({ data: piece, deliverAt: departAt + this.delayMs })
    }
    // the bottleneck's backlog (not yet sent at `rate`) is bounded like a router's queue
    if ((this.nextFree - now) * this.rate / 1000 > this.queueBytes) this.from.pause()
    this.schedule()
  }

  /** Delivers every piece whose time has come; resumes the sender once the backlog is small */
  private flush (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const now = performance.now()
    while (this.queue.length > 0 && this.queue[0].deliverAt <= now) {
      // the receiving process is slower than the link: hold the rest until it drains
      if (this.to.writableNeedDrain) break
      this.to.write(this.queue.shift()?.data as Buffer)
    }
    if (this.from.isPaused() && (this.nextFree - now) * this.rate / 1000 <= this.queueBytes / 2) this.from.resume()
    if (this.queue.length === 0 && this.ended) this.to.end()
    else this.schedule()
  }

  private schedule (): void {
    if (this.timer != null || this.queue.length === 0 || this.to.writableNeedDrain) return
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.queue[0].deliverAt - performance.now()))
  }

  stop (): void {
    clearTimeout(this.timer)
  }
}

async function listen (spec: LinkSpec): Promise<Server> {
  const queueBytes = spec.queueBytes ?? Math.max(64 * 1024, spec.rate * spec.rttMs / 1000)
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: spec.target, noDelay: true, allowHalfOpen: true })
    const up = new LinkDirection(inbound, outbound, spec.rttMs / 2, spec.rate, queueBytes)
    const down = new LinkDirection(outbound, inbound, spec.rttMs / 2, spec.rate, queueBytes)
    const close = (): void => {
      up.stop()
      down.stop()
      inbound.destroy()
      outbound.destroy()
    }
    inbound.on('error', close).on('close', close)
    outbound.on('error', close).on('close', close)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  return server
}

runWorker(async ([json]) => {
  const specs = JSON.parse(json) as LinkSpec[]
  const servers = await Promise.all(specs.map(listen))
  send({ type: 'ready', ports: servers.map(s => (s.address() as { port: number }).port) })
  const stop = await receive()
  if (stop.type !== 'stop') throw new Error(`expected 'stop', got '${stop.type}'`)
  for (const s of servers) s.close()
})
