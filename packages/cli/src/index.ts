/**
 * @packageDocumentation
 *
 * `@peershare/cli`: the `peershare` command, a thin client of a node's control API.
 * `run(argv, deps)` parses a command line and runs one command with the injected
 * dependencies (`processDeps()` gives the real ones); each command is also exported as
 * a function taking its options and `{ client, print, cwd }`, so it can be driven
 * without a process or a daemon.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error. Errors are one line on stderr,
 * `peershare: <message>`, or `{"error":{"code","message"}}` with `--json`.
 */
export { createProgram, run, type ProgramDeps } from './program.js'
export { processDeps } from './process-deps.js'
export { type CliClient, type CommandContext, type Print, lazyClient } from './context.js'
export { DaemonRunningError, UsageError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, describeError, errorLine, type CliFailure } from './errors.js'
export { daemon, type DaemonCommandOptions, type DaemonContext, type RunningDaemon } from './commands/daemon.js'
export { get, type GetCommandOptions, type GetContext, type ProgressDisplay, type ProgressEvent } from './commands/get.js'
export { id, type IdOptions } from './commands/id.js'
export { ls, type LsOptions } from './commands/ls.js'
export { share, type ShareCommandOptions } from './commands/share.js'
export { progressBar } from './progress-bar.js'
export { formatBytes, formatDuration, formatRate, formatTable } from './format.js'
