/** `peershare get <ref> [--peer <multiaddr>]`: download a file, from a peer, a ticket's sharer or providers the DHT finds, verified */
import { lstat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ControlApiError, DaemonLostError, type GetEvent, type GetRequest, OutputExistsError, replaceableOutput } from '@peershare/client'
import { decodeTicket, isTicket, parseContentRef } from '@peershare/protocol'
import type { CommandContext, Print } from '../context.js'
import { InterruptedError, UsageError } from '../errors.js'
import { formatBytes } from '../format.js'
import { collectionAsProgress, collectionSaved } from './get-collection.js'

export type ProgressEvent = Extract<GetEvent, { type: 'progress' }>
type DoneEvent = Extract<GetEvent, { type: 'done' }>

/** Live progress for a person watching (a bar on a terminal) */
export interface ProgressDisplay {
  update(event: ProgressEvent): void
  /** removes the display; called once, after success or failure */
  stop(): void
}

export interface GetCommandOptions {
  /** file id, SHA-256 or ticket */
  ref: string
  /** multiaddrs of peers that have the file, ending in /p2p/<peer id>; without any, the DHT is asked */
  peer?: string[]
  /**
   * destination file; an existing directory or a path ending in `/` is a directory
   * (created when missing); `-` writes the file to stdout as it verifies
   */
  output?: string
  /** replace an existing output file */
  force?: boolean
  priority?: 'low' | 'normal' | 'high'
  /** start the download in the daemon and return at once */
  detach?: boolean
  /** give up after this many seconds (exit 1; the download is left paused) */
  timeout?: number
  /** keep the file in the repo and serve it, never decrypting it */
  hold?: boolean
  json?: boolean
}

export interface GetContext extends CommandContext {
  /** makes a progress display; absent when nobody watches (not a terminal) */
  progress?: () => ProgressDisplay
  /** writes file bytes to stdout (`-o -`); resolves when it may be called again */
  writeStdout?: (bytes: Uint8Array) => Promise<void>
  /** calls `handler` on Ctrl+C while the download is attached; returns the removal */
  onInterrupt?: (handler: (signal?: 'SIGINT' | 'SIGTERM') => void) => () => void
  /** one line to stderr */
  printError?: Print
  /** the clock a stall is timed by (ms); Date.now unless a test steps it */
  now?: () => number
}

/** How long a download is stalled before a get with no terminal says so: a passing stall (a source being opened again) is not news */
export const STALL_NOTICE_MS = 3000

export async function get (options: GetCommandOptions, ctx: GetContext): Promise<void> {
  const { client, print, cwd } = ctx
  const toStdout = options.output === '-'
  // both also checked by the daemon; checked here first so no daemon is needed to hear about them
  if (isTicket(options.ref)) decodeTicket(options.ref)
  else parseContentRef(options.ref)
  if (toStdout && options.detach === true) throw new UsageError('-o - writes the file to stdout: it cannot go with --detach')
  if (options.hold === true && options.output != null) throw new UsageError('--hold keeps the file in the repo: it goes without -o')
  if (options.output != null && !toStdout && options.force !== true) await checkOutput(resolve(cwd, options.output), /[/\\]$/.test(options.output))

  const json = options.json === true
  const [peer, ...peers] = options.peer ?? []
  const request: GetRequest = {
    ref: options.ref,
    peer,
    ...(peers.length > 0 ? { peers } : {}),
    output: toStdout ? undefined : options.output,
    cwd,
    ...(options.priority == null ? {} : { priority: options.priority }),
    ...(options.force === true ? { force: true } : {}),
    ...(toStdout ? { stream: true } : {}),
    ...(options.hold === true ? { hold: true } : {}),
    ...(options.timeout == null ? {} : { timeout: Math.round(options.timeout * 1000) })
  }
  if (options.detach === true) {
    const started = await client.startDownload(request)
    if (json) print(JSON.stringify(started))
    // a file the daemon keeps already is copied (or, held, left where it is) before it answers
    else if (started.state === 'completed') print(started.output !== '' ? `Copied ${started.name} to ${started.output}: this node keeps the file` : `${started.name} is kept by this node already`)
    else {
      // a held file (--hold) has no output; nor has one whose name comes with its first source
      const where = started.output !== '' ? `to ${started.output}` : options.hold === true ? 'into the repo' : '(where, once its first source names it)'
      print(`Downloading ${started.name} ${where} in the daemon; follow it with \`peershare transfers\``)
    }
    return
  }
  const done = await attached(request, ctx, { json, toStdout })
  if (json || toStdout) return
  if ('collection' in done) print(collectionSaved(done))
  // a file kept outside the repo (shared in place, downloaded) is held where it is
  else if (options.hold === true) print(`Holding ${done.file.name} (${formatBytes(done.file.size)}) ${done.file.path == null ? 'in the repo' : `at ${done.file.path}`}, served to peers${done.file.encrypted === true && done.file.name === done.file.fileId ? ': encrypted, no key here' : ''}`)
  else print(`Saved ${done.file.name} (${formatBytes(done.file.size)}) to ${done.path}`)
}

/**
 * Follows the download until it ends: progress to the display (or JSON lines), the
 * file's bytes to stdout with `-o -`. Ctrl+C detaches: the download goes on in the daemon.
 */
async function attached (request: GetRequest, ctx: GetContext, mode: { json: boolean, toStdout: boolean }): Promise<DoneEvent> {
  const { client, print } = ctx
  const controller = new AbortController()
  let following: { kind: 'file' | 'collection', id: string } | undefined
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined
  let output: Promise<number> | undefined
  const startOutput = (id: string): void => {
    if (!mode.toStdout || output != null) return
    output = copyToStdout(ctx, id, controller)
    // awaited below; a failure meanwhile must not go unhandled
    output.catch(() => {})
  }
  const display = mode.json || ctx.progress == null ? undefined : ctx.progress()
  // nobody watches a bar: a stall (and its end) is still said, on stderr, or a script waits in silence
  const stalls = mode.json || display != null ? undefined : stallLines(ctx.printError, ctx.now ?? Date.now)
  const off = ctx.onInterrupt?.((signal) => {
    interrupted = signal ?? 'SIGINT'
    controller.abort()
  })
  try {
    const done = await client.get(request, (event) => {
      if (event.type === 'progress') {
        following = { kind: 'file', id: event.fileId }
        startOutput(event.fileId)
      } else if (event.type === 'collection-progress') {
        following = { kind: 'collection', id: event.collectionId }
      }
      // with -o -, stdout carries the file and nothing else
      if (mode.json && !mode.toStdout) print(JSON.stringify(event))
      else if (event.type === 'progress') {
        display?.update(event)
        stalls?.(event)
      }
      else if (event.type === 'collection-progress') display?.update(collectionAsProgress(event))
    }, controller.signal)
    if ('collection' in done) return done
    startOutput(done.file.fileId)
    const written = await output
    if (written != null && written !== done.file.size) throw new Error(`The daemon sent ${written} of ${done.file.size} bytes`)
    return done
  } catch (caught) {
    if (interrupted != null) throw new InterruptedError(interruptedLine(following), interrupted)
    // the output's failure (the daemon lost under `-o -`) aborted the progress stream, which then
    // failed as node:http says an abort ("aborted", ECONNRESET): that failure is said instead;
    // a download's own error from the daemon says more than the output's
    const reason: unknown = controller.signal.reason
    const err = !(caught instanceof ControlApiError) && reason instanceof Error && !isAbort(reason) ? reason : caught
    if (err instanceof DaemonLostError && following != null) throw new DaemonLostError(daemonLostLine(following))
    throw err
  } finally {
    off?.()
    display?.stop()
    controller.abort()
  }
}

/**
 * Says on stderr when a download has been stalled for STALL_NOTICE_MS, why (again only
 * when the reason code changes, not at each look), and when it goes on: "Stalled: connected
 * to no peer: …", then "Downloading again"
 */
function stallLines (printError: Print | undefined, now: () => number): ((event: ProgressEvent) => void) | undefined {
  if (printError == null) return undefined
  let since: number | undefined
  let said: string | undefined
  return event => {
    if (event.state !== 'stalled') {
      if (said != null && event.state === 'running') printError('Downloading again')
      since = undefined
      said = undefined
      return
    }
    since ??= now()
    // the message's details (peers counted, the last error) change from look to look: the reason does not
    const reason = event.stallReason ?? 'stalled'
    if (reason === said || now() - since < STALL_NOTICE_MS) return
    printError(`Stalled: ${event.stallMessage ?? reason}; it keeps looking (Ctrl+C leaves it to the daemon)`)
    said = reason
  }
}

function isAbort (err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError'
}

/** Copies the file's verified bytes to stdout as the daemon has them; returns how many */
async function copyToStdout (ctx: GetContext, fileId: string, controller: AbortController): Promise<number> {
  const write = ctx.writeStdout
  if (write == null) throw new Error('No stdout to write the file to')
  let written = 0
  try {
    for await (const part of ctx.client.content(fileId, controller.signal)) {
      await write(part)
      written += part.byteLength
    }
  } catch (err) {
    // the progress stream ends too: a download's own error there says more, else this one is said
    controller.abort(err)
    throw err
  }
  return written
}

/** The daemon stopped under a followed download: it is saved, and resumes with the daemon */
function daemonLostLine (following: { kind: 'file' | 'collection', id: string }): string {
  const what = following.kind === 'collection' ? 'collection download' : 'download'
  return `The daemon stopped during the ${what} (stopped, or crashed): it is saved and goes on when the daemon starts again; \`peershare transfers\` then shows it, \`peershare get ${following.id}\` follows it again`
}

function interruptedLine (following: { kind: 'file' | 'collection', id: string } | undefined): string {
  if (following == null) return 'Interrupted before a source answered; nothing was left running'
  if (following.kind === 'collection') return `Interrupted; the collection download continues in the daemon: \`peershare transfers\` shows its files, \`peershare get ${following.id}\` follows it again`
  return `Interrupted; the download continues in the daemon: \`peershare transfers\` shows it, \`peershare cancel ${following.id}\` stops it`
}

/**
 * An existing directory is fine (the file goes inside it); anything else existing is not,
 * without --force; and never when the output names a folder (a trailing /)
 */
async function checkOutput (path: string, namesFolder: boolean): Promise<void> {
  const info = await lstat(path).catch(() => undefined)
  if (info == null || info.isDirectory()) return
  if (namesFolder) throw new OutputExistsError(`Cannot save in ${path}/: ${path} is a file, not a folder`)
  if (!replaceableOutput(info)) throw new OutputExistsError(`Output exists: ${path} is not a regular file: never replaced`)
  throw new OutputExistsError(`Output exists: ${path} (--force replaces it)`)
}
