/**
 * CLI errors and how any error becomes one line on stderr and an exit code:
 * 1 for a failure, 2 for a usage error. Codes are the control API's stable ones
 * (`ERR_...`), so `--json` callers can branch on them.
 */
import { CommanderError } from 'commander'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
/** Ctrl+C, as shells report it (128 + SIGINT) */
export const EXIT_INTERRUPTED = 130
/** SIGTERM (`timeout`, a service manager), as shells report it (128 + SIGTERM) */
export const EXIT_TERMINATED = 143

/** The command line is malformed (unknown option, missing argument, bad value) */
export class UsageError extends Error {
  static override name = 'UsageError'
  override name = 'UsageError'
  code = 'ERR_USAGE'
}

/** `peershare daemon` found a daemon already answering for the repo */
export class DaemonRunningError extends Error {
  static override name = 'DaemonRunningError'
  override name = 'DaemonRunningError'
  code = 'ERR_DAEMON_RUNNING'
}

/** `verify` found files not ok: said after their report, so a script sees it in the exit code */
export class VerifyFailedError extends Error {
  static override name = 'VerifyFailedError'
  override name = 'VerifyFailedError'
  code = 'ERR_VERIFY_FAILED'
}

/** Ctrl+C on a command attached to the daemon; the message says what goes on */
export class InterruptedError extends Error {
  static override name = 'InterruptedError'
  override name = 'InterruptedError'
  code = 'ERR_INTERRUPTED'

  /** `signal`: the one that interrupted (its exit code is 128 + its number, as shells say it) */
  constructor (message: string, readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(message)
  }
}

export interface CliFailure {
  code: string
  message: string
  exitCode: number
}

/**
 * Bad values that are usage errors as one commander refuses: a value the daemon refused
 * (a bad policy, an over-long search) and an option's rate or size that does not parse
 * (`limits --upload fast` exited 1)
 */
const USAGE_CODES = new Set(['ERR_BAD_REQUEST', 'ERR_INVALID_RATE', 'ERR_INVALID_SIZE'])

function interruptedExit (err: InterruptedError): number {
  return err.signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED
}

/** What to tell the user about `err`, and the exit code */
export function describeError (err: unknown): CliFailure {
  if (err instanceof CommanderError) {
    return { code: 'ERR_USAGE', message: oneLine(err.message.replace(/^error: /, '')), exitCode: EXIT_USAGE }
  }
  const e = err as { code?: unknown, message?: unknown } | undefined
  const code = typeof e?.code === 'string' && e.code.startsWith('ERR_') ? e.code : 'ERR_INTERNAL'
  const message = oneLine(typeof e?.message === 'string' && e.message !== '' ? e.message : String(err))
  const exitCode = err instanceof UsageError || USAGE_CODES.has(code) ? EXIT_USAGE : err instanceof InterruptedError ? interruptedExit(err) : EXIT_FAILURE
  return { code, message, exitCode }
}

/** The line for stderr: `peershare: <message>`, or `{"error":{"code","message"}}` with --json */
export function errorLine (failure: CliFailure, json: boolean): string {
  if (json) return JSON.stringify({ error: { code: failure.code, message: failure.message } })
  return `peershare: ${failure.message}`
}

function oneLine (text: string): string {
  return text.split('\n').map(s => s.trim()).filter(s => s !== '').join(' ')
}
