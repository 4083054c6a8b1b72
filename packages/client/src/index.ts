/**
 * @packageDocumentation
 *
 * `@peershare/client`: how programs talk to a running peershare node. `ControlClient`
 * speaks the node's local control API (HTTP + JSON, bearer token); `api-types.ts` and
 * `reports.ts` are the JSON shapes of every route. Also here, because clients need them
 * without loading a node: rate parsing and formatting, reachability and isolation in words (CLI and web UI alike), the version, the typed error root
 * and the errors a client raises itself, and the node defaults a help text shows.
 *
 * This entry loads no libp2p and no Node-only module, so a web UI can use it too.
 * `@peershare/client/repo` adds the Node-only parts: the default repo path and the
 * daemon's endpoint file.
 */
export { ControlClient, ControlApiError, DaemonLostError, DaemonNotAnsweringError, DaemonNotRunningError, daemonNotRunning, shellQuote, type ControlClientInit, type HttpRequest, type HttpResponse, type HttpTransport } from './control-client.js'
export type * from './api-types.js'
export { OFFER_CATEGORIES, VISIBILITIES } from './api-types.js'
export type * from './reports.js'
export { PeershareError, defineError, PathNotFoundError, OutputExistsError, BadRequestError, replaceableOutput } from './errors.js'
export { InvalidRateError, InvalidSizeError, formatRate, parseRate, parseSize } from './units.js'
export { REACHABILITY_WORDS, autonatSummary, isolationSummary, reachabilityPolicySummary, relayServerSummary } from './reachability-words.js'
export { VERSION } from './version.js'
export { DEFAULT_LISTEN } from './defaults.js'
