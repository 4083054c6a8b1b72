/**
 * An encrypted download's plaintext, decrypted while its chunks arrive (doc/LIMITS.md,
 * known gap 23: the pass after the last chunk took as long again as the download). The
 * pass of decrypt-pass.ts runs behind the download's verified chunks, reading each back
 * from the partial file once it is written, into the same temporary file the pass after
 * the last chunk would write. When the download completes, `finish` waits for the last
 * few chunks and hands the file over, hashed and synced, to be put in place.
 *
 * It only saves time: whatever stops it (a pause, a shutdown, no key held, a chunk that
 * reads back damaged, a full disk) leaves no file behind, and the download then decrypts
 * after its last chunk as before. So nothing here can fail a download.
 */
import { rm } from 'node:fs/promises'
import type { Logger } from '@libp2p/interface'
import type { Manifest } from '@peershare/protocol'
import { type UnlockedFile, decryptFile, decryptTempPath } from './decrypt-pass.js'

/** What the pass follows: the download's verified chunks, in its partial file */
export interface AheadContent {
  readonly manifest: Manifest
  readonly have: { has: (index: number) => boolean }
  readonly partial: { readonly path: string }
}

interface Waiter { resolve: () => void, reject: (err: Error) => void }

export class DecryptAhead {
  readonly tmp: string
  private readonly waiters = new Map<number, Waiter>()
  private stopped: Error | undefined
  private handedOver = false
  /** true once the plaintext is complete, hashed and synced at `tmp` */
  private readonly pass: Promise<boolean>

  /**
   * Starts the pass for `content`, whose plaintext goes to `output`; `unlock` gives the
   * file's key (undefined when none is held: nothing is decrypted ahead)
   */
  constructor (content: AheadContent, output: string, unlock: () => Promise<UnlockedFile | undefined>, private readonly log: Logger) {
    this.tmp = decryptTempPath(output)
    this.pass = this.run(content, unlock)
  }

  /** Chunk `index` is verified and in the partial file */
  written (index: number): void {
    const waiter = this.waiters.get(index)
    this.waiters.delete(index)
    waiter?.resolve()
  }

  /**
   * The download is complete: true once the whole plaintext is at `tmp`, hashed against
   * the sealed SHA-256 and synced (the caller puts it in place); false when the pass
   * stopped (the caller decrypts after all)
   */
  async finish (): Promise<boolean> {
    this.handedOver = true
    return this.pass
  }

  /** Stops the pass and removes what it wrote (unless `finish` handed it over) */
  async stop (): Promise<void> {
    this.stopped ??= new Error('decrypting ahead stopped')
    for (const waiter of this.waiters.values()) waiter.reject(this.stopped)
    this.waiters.clear()
    await this.pass
    if (!this.handedOver) await rm(this.tmp, { force: true })
  }

  private async run (content: AheadContent, unlock: () => Promise<UnlockedFile | undefined>): Promise<boolean> {
    const { manifest, partial } = content
    const ready = (index: number): Promise<void> | undefined => {
      if (this.stopped != null) return Promise.reject(this.stopped)
      if (content.have.has(index)) return undefined
      return new Promise<void>((resolve, reject) => { this.waiters.set(index, { resolve, reject }) })
    }
    try {
      const file = await unlock()
      if (file == null || this.stopped != null) return false
      await decryptFile(partial.path, manifest, file, this.tmp, { ready })
      return true
    } catch (err: any) {
      if (this.stopped == null) this.log('decrypting %s ahead stopped, it decrypts once complete: %s', this.tmp, err?.message ?? err)
      // a full disk, or a chunk that reads back damaged: the pass after the last chunk says why
      if (!this.handedOver) await rm(this.tmp, { force: true }).catch(() => {})
      return false
    }
  }
}
