/**
 * Fetching from one source within a multi-source download. The worker keeps a
 * pipeline of requests sized to the source's bandwidth-delay product: its measured
 * throughput times (the quickest a chunk has come back + QUEUE_SECONDS), so a fast
 * source pulls more chunks than a slow one as it proves itself, and a long link
 * (a round trip of 200 ms) stays as busy as a short one. Every chunk is verified before the download sees
 * it; a bad chunk is a strike against the source, and enough strikes ban it from
 * this file. A source that stalls with requests outstanding times out. In the tail of a
 * download a source that answers parts fetches parts of chunks (chunk-picker.ts), which
 * are verified when joined (part-assembly.ts).
 */
import { type Manifest, type Priority, chunkLength, MAX_OUTSTANDING_CHUNKS, PARTS_PER_CHUNK, partAt, partRange } from '@peershare/protocol'
import { PeerMisbehavedError } from '../errors.js'
import type { FetchSession, SessionEvent } from '../exchange/fetch-session.js'
import { blameRoute } from '../reachability/route.js'
import { type ChunkData, chunkVerified } from './chunk-data.js'
import type { ChunkPicker } from './chunk-picker.js'
import type { JoinedChunk, PartAssembly } from './part-assembly.js'
import { SourcePace } from './source-pace.js'

/** What a worker needs from its download */
export interface WorkerHost {
  readonly manifest: Manifest
  readonly picker: ChunkPicker
  readonly priority: Priority
  readonly signal: AbortSignal
  /** where parts of split chunks are joined; without it no parts are asked for */
  readonly parts?: PartAssembly
  isDone(): boolean
  /** waits for the download rate limit to allow `bytes` */
  takeDownload(bytes: number, signal: AbortSignal): Promise<void>
  /**
   * Checks a chunk against its hash: the chunk (perhaps as one new buffer) when it matches,
   * else undefined. Without it, `chunkVerified` checks it on this thread.
   */
  verify?(index: number, data: ChunkData): Promise<ChunkData | undefined>
  /**
   * a verified chunk: write it (resolves when the caller may go on, not necessarily when
   * written). `credit`: the sources of its bytes, when several sent parts of it (else `peer`)
   */
  accept(peer: string, index: number, data: ChunkData, wireBytes?: number, credit?: Credit[]): Promise<void>
  /** another source fetched this chunk (or its part `part`) first: stop fetching it elsewhere */
  cancelElsewhere(peers: string[], index: number, part?: number): void
  /** records a bad chunk from `peer`; true when the peer is now banned */
  strike(peer: string): boolean
  /** stops fetching from `peer`, banned on the evidence of another source's chunk */
  expel?(peer: string): void
  /** a verified chunk of `bytes` (or a part, verified later with its chunk) arrived `ms` after its request (metrics) */
  received?(bytes: number, ms: number): void
}

/** Bytes of a chunk that came from one source */
export interface Credit {
  peer: string
  bytes: number
}

/** This worker's key of part `part` of chunk `index` (its `partsAt`, `partsDropped`) */
function partKey (index: number, part: number): number {
  return index * PARTS_PER_CHUNK + part
}

export interface SourceStats {
  peerId: string
  chunks: number
  bytes: number
  rate: number
  inFlight: number
  /** chunk bytes received on the wire (less than `bytes` when chunks came compressed) */
  wireBytes: number
}

export class SourceWorker {
  readonly peer: string
  private readonly pace = new SourcePace()
  private readonly requestedAt = new Map<number, number>()
  private readonly cancelled = new Set<number>()
  /** parts asked for, by partKey(index, part): when */
  private readonly partsAt = new Map<number, number>()
  /** parts that may still come although no longer asked for (cancelled, or brought by another source) */
  private readonly partsDropped = new Set<number>()
  /** set when another source's chunk proved this one lied: the run ends with it */
  private expelled: Error | undefined
  private pending: Promise<SessionEvent> | undefined
  private wakeUp: (() => void) | undefined
  private chunks = 0
  private bytes = 0
  private retiring = false

  constructor (private readonly host: WorkerHost, readonly session: FetchSession) {
    this.peer = session.peer.toString()
  }

  stats (): SourceStats {
    return { peerId: this.peer, chunks: this.chunks, bytes: this.bytes, rate: this.pace.rate, inFlight: this.requestedAt.size + this.partsAt.size, wireBytes: this.session.wire.wireBytes }
  }

  /** Fetches until the download is done or stopped; throws if the source fails or is banned */
  async run (): Promise<void> {
    const { picker, signal } = this.host
    try {
      await this.takeFirst()
      while (!signal.aborted && !this.host.isDone() && !this.retiring) {
        await this.fill()
        const event = await this.nextOrWake()
        if (event == null) continue
        if (event.type === 'have') {
          for (const index of event.chunks) picker.sourceHas(this.peer, index)
          continue
        }
        if (event.type === 'bad-chunk') this.onBadChunk(event.index)
        else if (event.type === 'part') await this.onPart(event.index, event.offset, event.data, signal)
        else await this.onChunk(event.index, event.data, event.wireBytes, signal)
      }
      if (this.expelled != null) throw this.expelled
      await this.session.complete()
    } catch (err: any) {
      this.session.abort(err)
      if (this.expelled != null) throw this.expelled
      if (!signal.aborted && !this.retiring) throw blameRoute(this.session.route, this.peer, err)
    } finally {
      picker.removeSource(this.peer)
    }
  }

  /**
   * Ends this session without blame (a better connection to the peer opened): its
   * chunks in flight are released to be fetched again, from this peer on the new connection too
   */
  retire (): void {
    this.retiring = true
    // a slow relayed source may hold requests for long: stop waiting for them
    this.session.abort(new Error('moved to a direct connection'))
    this.wake()
  }

  /** Ends this session: another source's chunk proved this one sent a bad part, and it is banned */
  expel (): void {
    this.expelled = new PeerMisbehavedError(`Peer ${this.peer} sent parts of chunks that fail verification and is banned for this file`)
    this.session.abort(this.expelled)
    this.wake()
  }

  /** Work may have become available (chunks released, the download stopping) */
  wake (): void {
    this.wakeUp?.()
  }

  /** Stops fetching `index`, whole or in parts (another source delivered it) */
  cancelChunk (index: number): void {
    let asked = this.requestedAt.delete(index)
    if (asked) this.cancelled.add(index)
    for (let part = 0; part < PARTS_PER_CHUNK; part++) {
      const key = partKey(index, part)
      if (!this.partsAt.delete(key)) continue
      this.partsDropped.add(key)
      asked = true
    }
    if (asked) this.session.cancel([index]).catch(() => {})
  }

  /** Stops fetching part `part` of chunk `index` (another source's copy came first) */
  cancelPart (index: number, part: number): void {
    const key = partKey(index, part)
    if (!this.partsAt.delete(key)) return
    this.partsDropped.add(key)
    this.session.cancelPart(index, partRange(this.host.manifest, index, part)).catch(() => {})
  }

  /**
   * Takes over the chunks claimed for this source before its Offer: in flight since the
   * Want when the provider queued them (1.1.0), asked for now when it could not (1.0.0);
   * those it turned out not to have, or that came from elsewhere meanwhile, are let go
   */
  private async takeFirst (): Promise<void> {
    const { first, have } = this.session
    const kept = this.host.picker.addSource(this.peer, have, first?.chunks, this.session.parts && this.host.parts != null)
    if (first == null) return
    if (first.queued) {
      // queued by the provider but brought by another source meanwhile: not to be blamed when it comes
      const dropped = first.chunks.filter(i => have.has(i) && !kept.includes(i))
      for (const index of dropped) this.cancelled.add(index)
      if (dropped.length > 0) await this.session.cancel(dropped, this.host.signal)
    }
    if (kept.length === 0) return
    // charged to the download rate limit now, not when claimed: a wait there would hold
    // back the Want, and with it the Offer, past the request timeout on a slow limit
    for (const index of kept) await this.host.takeDownload(chunkLength(this.host.manifest, index), this.host.signal)
    const sentAt = first.queued ? first.sentAt : Date.now()
    this.pace.requested(true, sentAt)
    for (const index of kept) this.requestedAt.set(index, sentAt)
    if (!first.queued) await this.session.request(kept, this.host.priority, this.host.signal)
  }

  /**
   * Requests chunks (in the tail, parts) until the pipeline is as deep, in chunks, as this
   * source's throughput warrants, and within what a provider queues
   */
  private async fill (): Promise<void> {
    const { picker, manifest, signal } = this.host
    while (this.depthInChunks() < this.pace.depth(manifest.chunkSize) && this.outstanding() < MAX_OUTSTANDING_CHUNKS && !this.retiring) {
      const work = picker.nextWork(this.peer, this.pace.rate)
      if (work === undefined) return
      // in the end game this copy took a slower source's place: that one stops
      if (work.evicted !== undefined) this.host.cancelElsewhere([work.evicted], work.index, work.part)
      const part = work.part === undefined ? undefined : partRange(manifest, work.index, work.part)
      await this.host.takeDownload(part?.length ?? chunkLength(manifest, work.index), signal)
      this.pace.requested(this.outstanding() === 0)
      if (work.part === undefined || part === undefined) {
        this.requestedAt.set(work.index, Date.now())
        await this.session.request([work.index], this.host.priority, signal)
      } else {
        this.partsAt.set(partKey(work.index, work.part), Date.now())
        await this.session.requestPart(work.index, part, this.host.priority, signal)
      }
    }
  }

  /** Requests outstanding with the provider (chunks and parts) */
  private outstanding (): number {
    return this.requestedAt.size + this.partsAt.size
  }

  /** What is outstanding, in chunks (a part counts its share) */
  private depthInChunks (): number {
    return this.requestedAt.size + this.partsAt.size / PARTS_PER_CHUNK
  }

  /** The next event; with nothing in flight, returns null when woken or when the source stays quiet */
  private async nextOrWake (): Promise<SessionEvent | null> {
    this.pending ??= this.session.nextEvent(this.host.signal)
    const pending = this.pending
    if (this.outstanding() > 0) {
      this.pending = undefined
      return pending
    }
    const woken = new Promise<null>(resolve => { this.wakeUp = () => resolve(null) })
    try {
      const event = await Promise.race([pending, woken])
      if (event != null) this.pending = undefined
      return event
    } catch (err: any) {
      // an idle source may say nothing for a long time; only a closed session is an error
      this.pending = undefined
      if (err.name === 'PeerUnreachableError' && err.message.includes('stopped answering') && !this.host.signal.aborted) return null
      throw err
    } finally {
      this.wakeUp = undefined
    }
  }

  /** A compressed chunk that did not inflate to its length, or compression never agreed, or a part out of place: as bad as a wrong chunk */
  private onBadChunk (index: number): void {
    // the parts of it this source was asked for go back to the picker, to be fetched from
    // others, and are cancelled here: those that still come are dropped, not struck again
    for (let part = 0; part < PARTS_PER_CHUNK; part++) {
      if (this.partsAt.has(partKey(index, part))) this.cancelPart(index, part)
      this.host.picker.releasePart(this.peer, index, part)
    }
    if (!this.requestedAt.delete(index) && this.cancelled.delete(index)) return
    this.blame(index)
  }

  /** A strike for a bad chunk; the chunk goes back to the picker unless another source delivered it */
  private blame (index: number, held = true): void {
    if (held) this.host.picker.release(this.peer, index)
    if (this.host.strike(this.peer)) throw new PeerMisbehavedError(`Peer ${this.peer} sent chunks that fail verification and is banned for this file`)
  }

  /** `signal`: the download's run this worker belongs to (a resumed download has a new one) */
  private async onChunk (index: number, data: ChunkData, wireBytes: number, signal: AbortSignal): Promise<void> {
    const requested = this.requestedAt.get(index)
    if (requested === undefined) {
      // a chunk cancelled in the end game may still arrive: not the source's fault
      if (this.cancelled.delete(index)) return
      if (this.host.strike(this.peer)) throw new PeerMisbehavedError(`Peer ${this.peer} sent chunk ${index}, which was not requested, and is banned`)
      return
    }
    const verified = await this.verified(index, data)
    // paused, cancelled or stopped while the chunk was checked (off this thread): its partial file may be closed
    if (signal.aborted) return
    // still requested only now: another source may have delivered it while it was hashed (cancelChunk took it back)
    const stillWanted = this.requestedAt.delete(index)
    if (!stillWanted) this.cancelled.delete(index)
    if (!verified) {
      // a bad chunk is a strike even when another source's copy won meanwhile: a liar is not let off by the race
      this.blame(index, stillWanted)
      return
    }
    if (!stillWanted) return
    this.host.received?.(verified.byteLength, Date.now() - requested)
    this.pace.delivered(verified.byteLength, requested)
    this.chunks++
    this.bytes += verified.byteLength
    await this.deliver(index, verified, wireBytes)
  }

  /** A verified chunk goes to the download; sources fetching it elsewhere stop, and those whose parts of it were wrong are blamed */
  private async deliver (index: number, verified: ChunkData, wireBytes: number, credit?: Credit[]): Promise<void> {
    // another copy (a join, a whole one) may have been delivered while this one was checked: written once
    if (this.host.isDone() || this.host.picker.isDone(index)) return
    const others = this.host.picker.completed(this.peer, index)
    this.host.cancelElsewhere(others, index)
    // this source's own other claims on it (parts besides a whole copy) stop too
    this.cancelChunk(index)
    const liars = this.host.parts?.verified(index, verified) ?? []
    await this.host.accept(this.peer, index, verified, wireBytes, credit)
    // after the chunk is in: a strike that bans this very source ends its run here
    for (const liar of liars) this.blamePeer(liar)
  }

  /**
   * Part of a chunk: kept until its chunk's parts are all in, then verified joined. A part
   * no longer wanted (another source's copy came first, or the chunk came whole) is dropped.
   */
  private async onPart (index: number, offset: number, data: ChunkData, signal: AbortSignal): Promise<void> {
    const { manifest, picker, parts } = this.host
    const part = partAt(manifest, index, offset, data.byteLength)
    const key = part === undefined ? -1 : partKey(index, part)
    const requested = this.partsAt.get(key)
    if (part === undefined || requested === undefined || parts == null) {
      if (this.partsDropped.delete(key)) return
      this.onBadChunk(index)
      return
    }
    this.partsAt.delete(key)
    this.pace.delivered(data.byteLength, requested)
    const wanted = picker.partWanted(index, part)
    // the end game's other copy of this part is no longer needed: its source sends the next work sooner
    this.host.cancelElsewhere(picker.partReceived(this.peer, index, part), index, part)
    if (!wanted) return
    this.host.received?.(data.byteLength, Date.now() - requested)
    this.bytes += data.byteLength
    const joined = parts.add(this.peer, index, part, data)
    if (joined != null) await this.onJoined(index, joined, signal)
  }

  /** Every part of chunk `index` is in: verified as one chunk */
  private async onJoined (index: number, joined: JoinedChunk, signal: AbortSignal): Promise<void> {
    const verified = await this.verified(index, joined.data)
    const { picker } = this.host
    if (signal.aborted) {
      // stopped meanwhile: the joined parts are dropped, so the chunk is fetched again (whole), not taken as in hand
      this.dropSplit(index)
      return
    }
    if (verified == null) {
      const senders = new Set(joined.from)
      // a whole copy came while the join was checked: only a lone sender can be told guilty now
      if (picker.isDone(index)) {
        if (senders.size === 1) this.blamePeer(joined.from[0])
        return
      }
      // fetched whole from now on; who is to blame is known now (one sender) or once a copy verifies
      this.dropSplit(index)
      for (const peer of this.host.parts?.failed(index, joined) ?? []) this.blamePeer(peer)
      return
    }
    this.chunks++
    const credit = joined.from.map((peer, part) => ({ peer, bytes: partRange(this.host.manifest, index, part).length }))
    await this.deliver(index, verified, verified.byteLength, credit)
  }

  /** Chunk `index` goes whole from now on; sources still fetching a part of it (end-game copies) stop */
  private dropSplit (index: number): void {
    for (const { peer, part } of this.host.picker.splitFailed(index)) this.host.cancelElsewhere([peer], index, part)
  }

  /** A strike for `peer`, this source or another; one now banned stops (this one by throwing) */
  private blamePeer (peer: string): void {
    if (peer === this.peer) {
      this.blame(-1, false)
      return
    }
    if (this.host.strike(peer)) this.host.expel?.(peer)
  }

  /**
   * The chunk when it matches its hash, else undefined. Checked by the host where it can
   * (Node's hash thread); if that fails (the thread died), here: the source is not to blame
   */
  private async verified (index: number, data: ChunkData): Promise<ChunkData | undefined> {
    if (this.host.verify != null) {
      try {
        return await this.host.verify(index, data)
      } catch {}
    }
    return (await chunkVerified(this.host.manifest, index, data)) ? data : undefined
  }
}
