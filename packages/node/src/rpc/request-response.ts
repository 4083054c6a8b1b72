/**
 * One request and one response per stream, both length-prefixed, with explicit limits:
 * the shape of `/peershare/catalog/1.0.0` and `/peershare/search/1.0.0`. The stock
 * helpers (`@libp2p/utils` pbStream, as `@libp2p/fetch` uses it) read with no message
 * size limit unless given one; here every read goes through `FramedStream` with the
 * protocol's own maximum, checked at the length prefix, and both sides have a deadline.
 * Any violation aborts the stream.
 */
import type { Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import { InvalidMessageError } from '@peershare/protocol'
import type { Uint8ArrayList } from 'uint8arraylist'
import { AbortedError, PeerMisbehavedError, PeerUnreachableError } from '../errors.js'
import { FramedStream } from '../exchange/framed-stream.js'
import type { PeerRate } from '../limits/peer-rate.js'

export interface RequestInit {
  protocol: string
  /** largest response accepted */
  maxResponseBytes: number
  /** ms for the whole exchange: dial, request, response */
  timeout: number
  signal?: AbortSignal
}

/**
 * Sends `request` to `peer` on a new stream and returns the one response frame.
 * Throws PeerUnreachableError (no connection, no answer in time, closed without one),
 * PeerMisbehavedError (a frame over the limit, a cut-off frame) or AbortedError.
 */
export async function requestOnce (libp2p: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, request: Uint8Array, init: RequestInit): Promise<Uint8ArrayList> {
  const signal = init.signal == null ? AbortSignal.timeout(init.timeout) : AbortSignal.any([AbortSignal.timeout(init.timeout), init.signal])
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, init.protocol, { signal })
  } catch (err: any) {
    throw failure(err, peer, init.signal, 'cannot open a stream')
  }
  const framed = new FramedStream(stream, { maxMessageBytes: init.maxResponseBytes, highWaterMark: init.maxResponseBytes + 16 })
  try {
    await framed.write(request, { signal })
    await framed.close({ signal })
    const frame = await framed.read({ signal })
    if (frame == null) throw new PeerUnreachableError(`Peer ${peer} closed the stream without answering`)
    void expectEnd(framed, signal)
    return frame
  } catch (err: any) {
    framed.abort(err)
    throw failure(err, peer, init.signal, 'no answer')
  }
}

/** After the response only the end may come: anything else, or no end by the deadline, aborts the stream */
async function expectEnd (framed: FramedStream, signal: AbortSignal): Promise<void> {
  try {
    if (await framed.read({ signal }) != null) framed.abort(new InvalidMessageError('More than one response'))
  } catch (err: any) {
    framed.abort(err)
  }
}

function failure (err: any, peer: PeerId, userSignal: AbortSignal | undefined, what: string): Error {
  if (userSignal?.aborted === true) return new AbortedError('Request cancelled')
  if (err instanceof PeerUnreachableError) return err
  if (err?.name === 'InvalidMessageError') return new PeerMisbehavedError(`Peer ${peer} sent an invalid response: ${err.message}`)
  return new PeerUnreachableError(`Peer ${peer}: ${what}: ${String(err?.message ?? err)}`)
}

export interface ServeInit {
  /** largest request accepted */
  maxRequestBytes: number
  /** ms to read the request, answer and send */
  timeout: number
  log: Logger
  /** the response refusing a request that broke a limit or did not decode */
  badRequest(): Uint8Array
}

/**
 * Serves one inbound stream: reads the one request (within `maxRequestBytes` and the
 * deadline), writes what `answer` returns, and closes. A request that breaks a limit
 * gets the `badRequest` response where the stream still works; any other failure
 * (deadline, reset) aborts the stream. Never throws.
 */
export async function serveOnce (stream: Stream, init: ServeInit, answer: (request: Uint8ArrayList, signal: AbortSignal) => Promise<Uint8Array>): Promise<void> {
  const framed = new FramedStream(stream, { maxMessageBytes: init.maxRequestBytes, highWaterMark: init.maxRequestBytes + 16 })
  const signal = AbortSignal.timeout(init.timeout)
  try {
    const request = await framed.read({ signal })
    if (request == null) throw new InvalidMessageError('No request')
    await reply(framed, await beforeAbort(answer(request, signal), signal), signal)
  } catch (err: any) {
    init.log('%s stream %s: %s', stream.protocol, stream.id, err.message)
    if (err?.name !== 'InvalidMessageError') {
      framed.abort(err)
      return
    }
    await reply(framed, init.badRequest(), signal).catch((e: Error) => { framed.abort(e) })
  }
}

/** `work`'s result, or the signal's reason once it aborts first (a slow answer must not hold the stream) */
async function beforeAbort<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason ?? new AbortedError('Deadline passed')) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}

export interface HandleInit extends ServeInit {
  maxInboundStreams: number
  /** each peer's request rate; a peer past it gets `rateLimited()` without its request being read */
  rate: PeerRate
  rateLimited(): Uint8Array
}

/**
 * Serves `protocol` with `serveOnce`, one request and one response per stream, each peer
 * within its rate; `answer` gets the Noise-authenticated remote peer (what access decides on)
 */
export async function handleOnce (libp2p: Pick<Libp2p, 'handle'>, protocol: string, init: HandleInit, answer: (request: Uint8ArrayList, signal: AbortSignal, peer: PeerId) => Promise<Uint8Array>): Promise<void> {
  await libp2p.handle(protocol, async (stream, connection) => {
    if (!init.rate.allow(connection.remotePeer.toString())) {
      await refuseOnce(stream, init.rateLimited(), init.timeout)
      return
    }
    await serveOnce(stream, init, async (request, signal) => answer(request, signal, connection.remotePeer))
  }, { maxInboundStreams: init.maxInboundStreams })
}

/** Sends a response without reading a request (a refusal at the door), never throws */
export async function refuseOnce (stream: Stream, response: Uint8Array, timeout: number): Promise<void> {
  const framed = new FramedStream(stream, { maxMessageBytes: 0, highWaterMark: 0 })
  await reply(framed, response, AbortSignal.timeout(timeout)).catch((err: Error) => { framed.abort(err) })
}

async function reply (framed: FramedStream, response: Uint8Array, signal: AbortSignal): Promise<void> {
  await framed.write(response, { signal })
  await framed.close({ signal })
}
