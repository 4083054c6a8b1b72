import { AbortedError } from './errors.js'

/** A signal that aborts after `ms`, or earlier if the caller's `signal` does */
export function withTimeout (ms: number, signal?: AbortSignal): AbortSignal {
  return signal == null ? AbortSignal.timeout(ms) : AbortSignal.any([signal, AbortSignal.timeout(ms)])
}

/** Waits `ms`, or rejects with AbortedError as soon as `signal` aborts */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  // aborted already: no wait (a run stopped as it began its wait ends at once)
  if (signal.aborted) throw new AbortedError('stopped')
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(new AbortedError('stopped')) }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** `work`'s result, or AbortedError as soon as `signal` aborts (the work itself goes on: others may wait for it too) */
export async function untilAborted<T> (work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return work
  if (signal.aborted) throw new AbortedError('stopped')
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(new AbortedError('stopped')) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
