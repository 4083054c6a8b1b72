/** A signal that aborts after `ms`, or earlier if the caller's `signal` does */
export function withTimeout (ms: number, signal?: AbortSignal): AbortSignal {
  return signal == null ? AbortSignal.timeout(ms) : AbortSignal.any([signal, AbortSignal.timeout(ms)])
}
