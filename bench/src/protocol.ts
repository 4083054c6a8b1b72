/** Messages between the bench (parent) and its worker processes, over Node IPC */

export type BenchMessage =
  /** worker is up; a listener also says where to dial it (and the sharer which file) */
  | { type: 'ready', addr?: string, fileId?: string }
  /** parent to a peershare getter: download now */
  | { type: 'get', addr: string, fileId: string, output: string }
  /** parent to a raw sender: dial and push the file now */
  | { type: 'send', addr: string }
  /** raw sender: the wall-clock time at which it began dialling */
  | { type: 'sent', startedAt: number }
  /** receiver (either kind): the file is verified and on disk */
  | { type: 'done', seconds?: number, finishedAt?: number, bytes: number, sha256: string, peakRss: number }
  /** parent asks (no cpuMs), worker answers: CPU time of its transfer phase */
  | { type: 'usage', cpuMs?: number }
  | { type: 'stop' }
  | { type: 'error', message: string, name?: string }

/**
 * Wall-clock time in ms with sub-ms resolution. Both workers run on the same machine
 * and clock, so a sender's start and a receiver's finish can be subtracted.
 */
export function now (): number {
  return performance.timeOrigin + performance.now()
}

export const RAW_PROTOCOL = '/bench/raw/1.0.0'

/** Size of the pieces files are written and sent in */
export const PIECE = 1024 * 1024
