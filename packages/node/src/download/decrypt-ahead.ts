/**
 * An encrypted download's plaintext, decrypted while its chunks arrive (doc/LIMITS.md,
 * known gap 23: the pass after the last chunk took as long again as the download). The
 * pass of decrypt-pass.ts runs behind the download's verified chunks, reading each back
 * from the partial file once it is written, into the same temporary file the pass after
 * the last chunk would write. When the download completes, `finish` waits for the last
 * few chunks and hands the file over, hashed and synced, to be put in place.
 *
 * It only saves time: whatever stops it (a pause, a shutdown, no key held, a chunk that
 * reads back damaged, a full disk) removes its file, and the download then decrypts after
 * its last chunk as before; its own failures are logged, never the download's. Its file
 * takes the room the plaintext would take at the end anyway; when the download's own
 * write finds the disk full, the pass stops for the run and gives that room back
 * (`AheadRuns.yieldRoom`), so the ciphertext comes first, as before. A resumed download
 * decrypts again from its first chunk.
 */
import { rm } from 'node:fs/promises'
import type { Logger } from '@libp2p/interface'
import type { Manifest } from '@peershare/protocol'
import { type UnlockedFile, decryptFile, decryptTempPath } from './decrypt-pass.js'

/**
 * A download's passes, run by run: the first chunk a run writes starts one (when the
 * download is of an encrypted file with a plaintext output), the run's end stops it
 */
export class AheadRuns {
  private current: DecryptAhead | undefined
  /** this run gives, or gave, its pass's room back to the download (`yieldRoom`): no other starts until the run ends */
  private yielding: Promise<void> | undefined

  /**
   * @param output the plaintext's output, once known (undefined: a plain file, a `--hold`)
   * @param unlock the file's key, if held
   */
  constructor (private readonly output: () => string | undefined, private readonly unlock: (manifest: Manifest) => Promise<UnlockedFile | undefined>, private readonly log: Logger) {}

  /** This run's pass, if it began: what the completion takes the plaintext from */
  get ahead (): DecryptAhead | undefined {
    return this.current
  }

  /** Chunk `index` of `content` is verified and written */
  written (content: AheadContent, index: number): void {
    if (this.current == null) {
      if (this.yielding != null) return
      const output = this.output()
      if (output == null) return
      this.current = new DecryptAhead(content, output, async () => this.unlock(content.manifest), this.log)
    }
    this.current.written(index)
  }

  /**
   * The run ended: its pass stops (its file removed unless the completion took it). It
   * stays this run's until it has: a completion meanwhile gets it, `finish` answers false
   * and waits for this stop before it writes the file anew
   */
  async stop (): Promise<void> {
    const current = this.current
    await current?.stop()
    if (this.current === current) this.current = undefined
    this.yielding = undefined
  }

  /**
   * The download's own write found the disk full: the pass, if one runs, stops and gives
   * its room back, and none starts again this run (true: the write may be tried again).
   * The ciphertext comes first; the plaintext is then decrypted after the last chunk,
   * where a disk still too small pauses the download as before.
   */
  async yieldRoom (): Promise<boolean> {
    if (this.yielding == null) {
      const current = this.current
      if (current == null) return false
      this.log('%s: the disk is full: its plaintext is decrypted after the last chunk instead', current.tmp)
      this.yielding = current.stop().then(() => { if (this.current === current) this.current = undefined })
    }
    // the writes that failed meanwhile try again too, once the room is back
    await this.yielding
    return true
  }

  /** What a killed run's pass left beside the output (the download is cancelled) */
  async removeLeftover (manifest: Manifest | undefined): Promise<void> {
    const output = this.output()
    if (output == null || manifest == null) return
    await rm(decryptTempPath(output, manifest), { force: true }).catch((err: Error) => { this.log('could not remove %s: %s', output, err.message) })
  }
}

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
  /** the stop under way or done: every caller waits for the same one, removal included */
  private stopping: Promise<void> | undefined
  private handedOver = false
  /** true once the plaintext is complete, hashed and synced at `tmp` */
  private readonly pass: Promise<boolean>

  /**
   * Starts the pass for `content`, whose plaintext goes to `output`; `unlock` gives the
   * file's key (undefined when none is held: nothing is decrypted ahead)
   */
  constructor (content: AheadContent, output: string, unlock: () => Promise<UnlockedFile | undefined>, private readonly log: Logger) {
    this.tmp = decryptTempPath(output, content.manifest)
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
   * the sealed SHA-256 and synced (the caller puts it in place and removes it); false,
   * with nothing at `tmp`, when the pass failed or was stopped first (the caller decrypts
   * after all, once `stop` has ended)
   */
  async finish (): Promise<boolean> {
    if (this.stopped != null) return false
    this.handedOver = true
    return this.pass
  }

  /** Stops the pass and removes its file (unless `finish` took it over); the same stop for every caller */
  async stop (): Promise<void> {
    this.stopping ??= this.stopOnce()
    return this.stopping
  }

  private async stopOnce (): Promise<void> {
    this.stopped = new Error('decrypting ahead stopped')
    for (const waiter of this.waiters.values()) waiter.reject(this.stopped)
    this.waiters.clear()
    await this.pass
    if (!this.handedOver) await this.remove()
  }

  private async remove (): Promise<void> {
    await rm(this.tmp, { force: true }).catch((err: Error) => { this.log.error('could not remove %s: %s', this.tmp, err.message) })
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
      // a full disk, or a chunk that reads back damaged: the pass after the last chunk says
      // why. Removed even once handed over: `finish` answers false only with nothing there
      await this.remove()
      return false
    }
  }
}
