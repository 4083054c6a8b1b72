/** Messages between the hash thread's owner (hash-thread.ts) and the thread (worker.ts) */
import type { Uint8ArrayList } from 'uint8arraylist'

export type ToThread =
  /** begin a whole-file hash of `path` */
  | { op: 'open', job: number, path: string }
  /** hash the file's bytes up to `end` (exclusive; ends only grow) */
  | { op: 'extend', job: number, end: number }
  /** answer the digest once every byte up to `end` is hashed; the job is then gone */
  | { op: 'digest', job: number, end: number, req: number }
  /** forget a job (a download stopped) */
  | { op: 'close', job: number }
  /**
   * compare the SHA-256 of `data` (a chunk that arrived, at `offset` of its file) with `sha256`;
   * when it matches and whole-file hash `job` stands exactly at `offset`, the chunk feeds it too
   * (it need not be read back once written). `data` comes back in the answer.
   */
  | { op: 'verify', req: number, job?: number, offset: number, data: Uint8Array, sha256: Uint8Array }
  /** read `length` bytes at `offset` of `path` and compare their SHA-256 with `sha256` */
  | { op: 'read', req: number, path: string, offset: number, length: number, sha256: Uint8Array }

/** What a checked read found, as the thread answers: the bytes in pieces (worker.ts `PIECE_BYTES` each) when they match, else why not */
export type ReadAnswer =
  | { ok: true, pieces: Uint8Array[] }
  /** the bytes differ from their hash, or the file ended first (`short`) */
  | { ok: false, short: boolean }

/** What a checked read found, as `readVerified` returns it: the bytes as a list of their pieces */
export type ReadVerifiedResult =
  | { ok: true, data: Uint8ArrayList }
  | { ok: false, short: boolean }

export type FromThread =
  | { req: number, digest: Uint8Array }
  | { req: number, read: ReadAnswer }
  | { req: number, verified: { ok: boolean, data: Uint8Array } }
  | { req: number, error: { message: string, code?: string, name?: string } }
