import assert from 'node:assert/strict'
import { ControlApiError, DaemonNotRunningError, InvalidRateError, InvalidSizeError } from '@peershare/client'
import { InvalidFileIdError } from '@peershare/protocol'
import { CommanderError } from 'commander'
import { DaemonRunningError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, InterruptedError, UsageError, describeError, errorLine } from '../src/errors.js'

describe('error mapping', () => {
  it('keeps the stable code of node, protocol and API errors, exit code 1', () => {
    for (const [err, code] of [
      [new DaemonNotRunningError('no daemon'), 'ERR_DAEMON_NOT_RUNNING'],
      [new InvalidFileIdError('bad id'), 'ERR_INVALID_FILE_ID'],
      [new ControlApiError({ code: 'ERR_PEER_UNREACHABLE', message: 'cannot reach' }), 'ERR_PEER_UNREACHABLE'],
      [new DaemonRunningError('already'), 'ERR_DAEMON_RUNNING']
    ] as const) {
      const failure = describeError(err)
      assert.equal(failure.code, code)
      assert.equal(failure.exitCode, EXIT_FAILURE)
    }
  })

  it('treats commander errors, UsageError and values the daemon refused as usage errors, exit code 2', () => {
    const fromCommander = describeError(new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'path'"))
    assert.deepEqual(fromCommander, { code: 'ERR_USAGE', message: "missing required argument 'path'", exitCode: EXIT_USAGE })
    assert.equal(describeError(new UsageError('bad')).exitCode, EXIT_USAGE)
    // a value the daemon refused is one too (a replication policy of 3:1 exited 1)
    const refused = describeError(new ControlApiError({ code: 'ERR_BAD_REQUEST', message: 'Bad replication policy "3:1": min is at most max' }))
    assert.deepEqual(refused, { code: 'ERR_BAD_REQUEST', message: 'Bad replication policy "3:1": min is at most max', exitCode: EXIT_USAGE })
    // so is an option's rate or size that does not parse (`limits --upload fast`)
    assert.equal(describeError(new InvalidRateError('Invalid rate "fast"')).exitCode, EXIT_USAGE)
    assert.equal(describeError(new InvalidSizeError('Invalid size "huge"')).exitCode, EXIT_USAGE)
  })

  it('reports Ctrl+C on an attached command as ERR_INTERRUPTED, exit code 130 (SIGTERM 143)', () => {
    assert.deepEqual(describeError(new InterruptedError('Interrupted; the download continues')), { code: 'ERR_INTERRUPTED', message: 'Interrupted; the download continues', exitCode: EXIT_INTERRUPTED })
    // SIGTERM's, as shells report it
    assert.equal(describeError(new InterruptedError('Interrupted; the download continues', 'SIGTERM')).exitCode, 143)
    assert.equal(EXIT_INTERRUPTED, 130)
  })

  it('gives other errors ERR_INTERNAL and their message on one line', () => {
    const failure = describeError(new Error('first\n  second\n'))
    assert.deepEqual(failure, { code: 'ERR_INTERNAL', message: 'first second', exitCode: EXIT_FAILURE })
    const systemError = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    assert.equal(describeError(systemError).code, 'ERR_INTERNAL')
    assert.equal(describeError('a string').message, 'a string')
  })

  it('prints `peershare: <message>`, or the JSON error object with --json', () => {
    const failure = { code: 'ERR_X', message: 'it broke', exitCode: 1 }
    assert.equal(errorLine(failure, false), 'peershare: it broke')
    assert.deepEqual(JSON.parse(errorLine(failure, true)), { error: { code: 'ERR_X', message: 'it broke' } })
  })
})
