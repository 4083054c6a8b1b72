/**
 * The `peershare` command line: commander wiring only. Each command lives in
 * `commands/` and gets its options plus injected dependencies; `run` parses,
 * runs one command, and turns any error into one line on stderr and an exit code.
 */
import { resolve } from 'node:path'
import { DEFAULT_LISTEN, type FileVisibility, type NodeInfo, OFFER_CATEGORIES, VERSION, VISIBILITIES, formatRate, parseRate, parseSize } from '@peershare/client'
import { defaultRepoPath } from '@peershare/client/repo'
import type { DaemonInit, NodeConfig } from '@peershare/node'
import { Argument, Command, InvalidArgumentError, Option } from 'commander'
import type { RunningDaemon } from './commands/daemon.js'
import type { ProgressDisplay } from './commands/get.js'
import { SHELLS, type Shell } from './completion.js'
import { browse, completion, contacts, control, daemon, get, grant, id, inbox, limits, ls, peers, providers, replicate, revoke, rm, search, share, show, status, stop, swarmConnect, ticket, transfers, verify, visibility, webui } from './commands/lazy.js'
import { type CliClient, type CommandContext, type Print, lazyClient } from './context.js'
import { EXIT_OK, EXIT_USAGE, describeError, errorLine } from './errors.js'

/** Everything the program takes from its process: streams, environment, the node */
export interface ProgramDeps {
  /** one line to stdout */
  print: Print
  /** one line to stderr */
  printError: Print
  /** the control API client of the daemon on `repo`; called when a command first needs it */
  connect(repo: string): Promise<CliClient>
  /** the daemon already answering for `repo`, if any */
  findRunning(repo: string): Promise<NodeInfo | undefined>
  startDaemon(init: DaemonInit): Promise<RunningDaemon>
  /** starts listening for SIGINT/SIGTERM; settles with the signal's name */
  stopSignal(): Promise<string>
  /** a progress display for `get`, when stderr is a terminal */
  progress?: () => ProgressDisplay
  /** raw bytes to stdout (`get -o -`); resolves when more may be written */
  writeStdout?: (bytes: Uint8Array) => Promise<void>
  /** calls `handler` on Ctrl+C until the returned function is called */
  onInterrupt?: (handler: (signal?: 'SIGINT' | 'SIGTERM') => void) => () => void
  cwd: string
  env: NodeJS.ProcessEnv
}

type DhtMode = NodeConfig['dhtMode']
type Sort = typeof SORTS[number]
const SORTS = ['relevance', 'name', 'size', 'date', 'providers'] as const
/** browse has no words to rank by relevance */
const BROWSE_SORTS = SORTS.filter(sort => sort !== 'relevance')
type Priority = 'low' | 'normal' | 'high'

interface GlobalOptions {
  repo: string
  json?: boolean
}

export function createProgram (deps: ProgramDeps): Command {
  const program = new Command('peershare')
    .description('Peer-to-peer file sharing on libp2p. Run a node with `peershare daemon`; the other commands talk to it.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--repo <path>', 'repo directory of the node (env PEERSHARE_REPO)', defaultRepoPath(deps.env))
    .option('--json', 'machine-readable output: JSON on stdout, errors as JSON on stderr')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    // every command's --help lists --repo and --json too
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
  configure(program, deps)

  const globals = (cmd: Command): { repo: string, json: boolean } => {
    const opts = cmd.optsWithGlobals<GlobalOptions>()
    return { repo: resolve(deps.cwd, opts.repo), json: opts.json === true }
  }
  const context = (cmd: Command): CommandContext => ({
    client: lazyClient(async () => deps.connect(globals(cmd).repo)),
    print: deps.print,
    cwd: deps.cwd
  })

  program.command('daemon')
    .description('run a node in the foreground: join the network and serve the control API until Ctrl+C')
    .option('--listen <multiaddr>', `address to listen on, repeatable (default: ${DEFAULT_LISTEN.join(' ')})`, collect)
    .option('--api-port <n>', 'control API port on 127.0.0.1 (default: a free port)', parsePort)
    .option('--ws-port <n>', 'also listen for WebSockets (browser peers) on this port, on the TCP listeners\' hosts; 0 picks a free port (default: none; also "wsPort" in <repo>/config.json)', parsePort)
    .option('--bootstrap <multiaddr>', 'a peer to join the swarm through, ending in /p2p/<peer id>; repeatable (also env PEERSHARE_BOOTSTRAP and "bootstrap" in <repo>/config.json)', collectPeerAddress)
    .option('--dht-mode <mode>', 'DHT server (answers queries), client (only asks) or auto (server once publicly reachable)', parseDhtMode)
    .option('--no-mdns', 'do not look for peers on the local network (mDNS)')
    .option('--no-upnp', 'do not map a port on the home router by UPnP (also "upnp": false in <repo>/config.json)')
    .option('--relay-server <mode>', 'relay for peers that cannot be dialled, within the caps of "relay" in <repo>/config.json: auto (when this node is publicly reachable), on, off', parseRelayMode)
    .option('--upload-limit <rate>', 'most upload bandwidth, e.g. 8MiB (per second); also "limits" in <repo>/config.json', checkRate)
    .option('--upload-limit-per-peer <rate>', 'most upload bandwidth to any one peer', checkRate)
    .option('--download-limit <rate>', 'most download bandwidth, e.g. 20MiB', checkRate)
    .option('--no-compression', 'send and ask for chunks uncompressed (default: compressed on the wire when both sides support it and it pays; also "exchange": {"compression": false} in <repo>/config.json)')
    .option('--replication-quota <size>', 'storage offered to other peers\' replicas, e.g. 10GiB; 0 offers none (default: "replication": {"quota"} in <repo>/config.json, or 0)', checkSize)
    .action(async (opts: { listen?: string[], apiPort?: number, wsPort?: number, bootstrap?: string[], dhtMode?: DhtMode, mdns: boolean, upnp: boolean, relayServer?: RelayMode, compression: boolean, uploadLimit?: string, uploadLimitPerPeer?: string, downloadLimit?: string, replicationQuota?: string }, cmd: Command) => {
      const { repo, json } = globals(cmd)
      const given = Object.entries({ upload: opts.uploadLimit, uploadPerPeer: opts.uploadLimitPerPeer, download: opts.downloadLimit }).filter(([, v]) => v != null)
      const limits = given.length === 0 ? undefined : Object.fromEntries(given)
      await daemon({ repo, json, listen: opts.listen, apiPort: opts.apiPort, wsPort: opts.wsPort, bootstrap: opts.bootstrap, dhtMode: opts.dhtMode, mdns: opts.mdns === false ? false : undefined, limits, ...reachabilityFlags(opts), ...(opts.compression === false ? { compression: false } : {}), ...(opts.replicationQuota == null ? {} : { replicationQuota: opts.replicationQuota }) }, {
        print: deps.print,
        findRunning: deps.findRunning,
        start: deps.startDaemon,
        stopSignal: deps.stopSignal()
      })
    })

  program.command('id')
    .description('show the running node\'s peer id and addresses')
    .action(async (_opts: unknown, cmd: Command) => {
      await id({ json: globals(cmd).json }, context(cmd))
    })

  program.command('share')
    .description('share a local file where it is: hash it, print its file id and a ticket (do not move or edit it while shared); a folder or several paths become one collection')
    .argument('<paths...>', 'file, folder, or several of them')
    .option('--tag <tag>', 'a tag to describe the file, repeatable', collect)
    .option('--description <text>', 'a description of the file')
    .addOption(categoryOption())
    .option('--thumbnail <image>', 'an image (JPEG, PNG, WebP, GIF, AVIF, TIFF) shown for the file or collection; images get one made anyway')
    .option('--to <peer...>', 'encrypt the file for these peers (peer ids or contact names): only they can read it; each share gets a new key, so a new file id')
    .addOption(visibilityOption())
    .option('--replicas [min[:max]]', 'keep the file alive on min..max peers that agreed to hold it, e.g. 3:5 (bare: config replication.replicas, 2:5; 0: local only)')
    .option('--copy', 'keep a private copy in the repo instead of serving the file where it is (the source may then change or go)')
    .action(async (paths: string[], opts: { tag?: string[], description?: string, category?: string, thumbnail?: string, to?: string[], visibility?: FileVisibility, replicas?: string | true, copy?: boolean }, cmd: Command) => {
      const replicas = opts.replicas === true ? 'default' : opts.replicas
      await share({ paths, tags: opts.tag, description: opts.description, category: opts.category, thumbnail: opts.thumbnail, to: opts.to, visibility: opts.visibility, ...(replicas != null ? { replicas } : {}), ...(opts.copy === true ? { copy: true } : {}), json: globals(cmd).json }, context(cmd))
    })

  program.command('replicate')
    .description('keep a file this node shares alive on min..max peers that agreed to hold it; placement starts at once (see `peershare status <file-id>`)')
    .argument('<file-id>', 'file id, or any unique prefix of it')
    .argument('[min[:max]]', 'how many peers hold it, e.g. 3 or 3:5 (none: config replication.replicas; 0: local only)')
    .action(async (fileId: string, replicas: string | undefined, _opts: unknown, cmd: Command) => {
      await replicate({ fileId, ...(replicas != null ? { replicas } : {}), json: globals(cmd).json }, context(cmd))
    })

  const contactsCommand = program.command('contacts')
    .description('peers this node knows by name: its contacts-only files are served to them')
  contactsCommand.command('add')
    .description('add a contact, or rename one')
    .argument('<peer-id>', 'the peer id of the contact')
    .option('--name <name>', 'a name for it (unique, ignoring case); usable wherever a command takes a peer')
    .action(async (peerId: string, opts: { name?: string }, cmd: Command) => {
      await contacts({ action: 'add', peerId, name: opts.name, json: globals(cmd).json }, context(cmd))
    })
  contactsCommand.command('ls')
    .description('list the contacts')
    .action(async (_opts: unknown, cmd: Command) => {
      await contacts({ action: 'ls', json: globals(cmd).json }, context(cmd))
    })
  contactsCommand.command('rm')
    .description('remove a contact: its next request for a contacts-only file is answered "not found"')
    .argument('<peer-id|name>', 'the contact\'s peer id or name')
    .action(async (peerId: string, _opts: unknown, cmd: Command) => {
      await contacts({ action: 'rm', peerId, json: globals(cmd).json }, context(cmd))
    })

  program.command('visibility')
    .description('change who a local file is served to: public (anyone, announced), contacts (contacts only), private (only peers it is granted to)')
    .argument('<file-id>', 'file id, or any unique prefix of it')
    .addArgument(new Argument('<level>', 'public, contacts or private').choices(VISIBILITIES))
    .action(async (fileId: string, level: FileVisibility, _opts: unknown, cmd: Command) => {
      await visibility({ fileId, visibility: level, json: globals(cmd).json }, context(cmd))
    })

  program.command('ticket')
    .description('print a fresh ticket for a local file or collection: its id, name, size and this node\'s current addresses, for `peershare get` elsewhere')
    .argument('<id>', 'file id or collection id, or any unique prefix of it')
    .action(async (fileId: string, _opts: unknown, cmd: Command) => {
      await ticket({ fileId, json: globals(cmd).json }, context(cmd))
    })

  program.command('ls')
    .description('list the collections and files this node has: shared and downloaded')
    .option('--all', 'list thumbnails too (files of their own, hidden otherwise)')
    .option('--replicas', 'list the replicas this node holds for other peers instead (hidden otherwise), with the quota they use')
    .action(async (opts: { all?: boolean, replicas?: boolean }, cmd: Command) => {
      await ls({ json: globals(cmd).json, all: opts.all, replicas: opts.replicas }, context(cmd))
    })

  program.command('get')
    .description('download a file from every peer that has it, verifying every chunk; resumable, runs in the daemon')
    .argument('<ref>', 'file id, SHA-256 of the content, collection id, or a ticket (peershare1...)')
    .option('--peer <multiaddr>', 'address of a peer that has the file, with or without /p2p/<peer id> (with it, the dial checks it reached that peer); repeatable (more sources are found in the DHT)', collect)
    .option('-o, --output <path>', 'where to save: a new file, or a directory (an existing one, or any path ending in /, created if missing); - writes the file to stdout as it verifies (default: the file\'s name in the current directory); for a collection, the directory to recreate it in')
    .option('--force', 'replace an existing output file (for a collection, its files that changed); never a folder, device, FIFO or socket')
    .option('--priority <level>', 'low, normal or high: its share of a limited download bandwidth', parsePriority)
    .option('--timeout <seconds>', 'give up after this long (exit 1); the download is left paused', parsePositive)
    .option('-d, --detach', 'start the download in the daemon and return at once (Ctrl+C also leaves it running)')
    .option('--hold', 'keep the file in the repo and serve it, never decrypting it: an encrypted file needs no key for this')
    .action(async (ref: string, opts: { peer?: string[], output?: string, force?: boolean, priority?: Priority, timeout?: number, detach?: boolean, hold?: boolean }, cmd: Command) => {
      const { peer, output, force, priority, timeout, detach, hold } = opts
      await get({ ref, peer, output, force, priority, timeout, detach, hold, json: globals(cmd).json }, {
        ...context(cmd),
        progress: deps.progress,
        writeStdout: deps.writeStdout,
        onInterrupt: deps.onInterrupt,
        printError: deps.printError
      })
    })

  program.command('transfers')
    .description('list downloads in the daemon: state, progress, rate, ETA, sources')
    .action(async (_opts: unknown, cmd: Command) => {
      await transfers({ json: globals(cmd).json }, context(cmd))
    })

  for (const [action, text] of [['pause', 'pause a download, keeping what it has'], ['resume', 'resume a paused or failed download'], ['cancel', 'cancel a download and delete its partial file']] as const) {
    program.command(action)
      .description(text)
      .argument('<file-id>', 'file id of the download, or any unique prefix of it')
      .action(async (fileId: string, _opts: unknown, cmd: Command) => {
        await control(action, { fileId, json: globals(cmd).json }, context(cmd))
      })
  }

  program.command('limits')
    .description('show the bandwidth limits, or change them while the daemon runs (saved in <repo>/config.json)')
    .option('--upload <rate>', 'most upload bandwidth, e.g. 8MiB (0 or unlimited: no limit)')
    .option('--upload-per-peer <rate>', 'most upload bandwidth to any one peer (0: no limit)')
    .option('--download <rate>', 'most download bandwidth (0: no limit)')
    .option('--temporary', 'change the limits only until the daemon stops: do not save them')
    .action(async (opts: { upload?: string, uploadPerPeer?: string, download?: string, temporary?: boolean }, cmd: Command) => {
      await limits({ ...opts, json: globals(cmd).json }, { ...context(cmd), parseRate, formatRate })
    })

  program.command('rm')
    .description('stop sharing a file or collection and forget it; a downloaded file stays where it was saved')
    .argument('<id>', 'file id or collection id, or any unique prefix of it')
    .action(async (fileId: string, _opts: unknown, cmd: Command) => {
      await rm({ fileId, json: globals(cmd).json }, context(cmd))
    })

  program.command('verify')
    .description('hash every chunk of the local files (or of one): a damaged file is marked, no longer served, and fetched again when it is a shared one')
    .argument('[file-id]', 'file id, or any unique prefix of it (default: every file)')
    .action(async (fileId: string | undefined, _opts: unknown, cmd: Command) => {
      await verify({ fileId, json: globals(cmd).json }, context(cmd))
    })

  program.command('providers')
    .description('find the peers that have a file or collection, by file id, SHA-256 or collection id, as the DHT answers')
    .argument('<ref>', 'file id, SHA-256 of the content, or collection id')
    .option('--timeout <seconds>', 'how long to keep looking', parsePositive)
    .action(async (ref: string, opts: { timeout?: number }, cmd: Command) => {
      await providers({ ref, timeout: opts.timeout, json: globals(cmd).json }, context(cmd))
    })

  program.command('search')
    .description('search offers by words: this node\'s catalog at once, then peers\' answers as they arrive (prefix and typo tolerant)')
    .argument('<words...>', 'words to look for in names, tags and descriptions')
    .addOption(new Option('--category <category>', 'only this category').choices(OFFER_CATEGORIES))
    .option('--type <mime>', 'only this MIME type, or a prefix ending in / (video/)')
    .option('--min-size <size>', 'at least this size, e.g. 700MB', checkSize)
    .option('--max-size <size>', 'at most this size, e.g. 2GiB', checkSize)
    .addOption(new Option('--sort <order>', 'order of results (default: relevance)').choices(SORTS))
    .option('--local', 'search only this node\'s catalog: ask no peer')
    .option('--limit <n>', 'results at most, 1 to 200 (default 20)', parseLimit)
    .action(async (words: string[], opts: { category?: string, type?: string, minSize?: string, maxSize?: string, sort?: Sort, local?: boolean, limit?: number }, cmd: Command) => {
      await search({ words, ...opts, json: globals(cmd).json }, context(cmd))
    })

  program.command('browse')
    .description('list the offers this node knows (its own and cached) by category, author and order; without a category, how many each holds')
    .addArgument(new Argument('[category]', 'a category to list').choices(OFFER_CATEGORIES))
    .option('--author <peer>', 'offers of this peer only: its peer id or a contact\'s name')
    .addOption(new Option('--sort <order>', 'order of offers (default: date, newest first)').choices(BROWSE_SORTS))
    .option('--page <n>', 'page to show, from 1 (20 offers a page)', parseLimit)
    .action(async (category: string | undefined, opts: { author?: string, sort?: Sort, page?: number }, cmd: Command) => {
      await browse({ category, ...opts, json: globals(cmd).json }, context(cmd))
    })

  program.command('show')
    .description('show an offer in full: every author\'s version, its thumbnail on disk (fetched if need be) and the providers found')
    .argument('<id>', 'file or collection id from search or browse, or a unique prefix of one')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await show({ id, json: globals(cmd).json }, context(cmd))
    })

  program.command('grant')
    .description('give peers a local file: its key when it is encrypted, else the permission to fetch it (a private or contacts file); pushed now, or kept and retried until each peer is reachable')
    .argument('<file-id>', 'file id, or any unique prefix of it')
    .argument('<peers...>', 'peer ids of the recipients')
    .action(async (fileId: string, peerIds: string[], _opts: unknown, cmd: Command) => {
      await grant({ fileId, peers: peerIds, json: globals(cmd).json }, context(cmd))
    })

  program.command('revoke')
    .description('stop serving a file\'s key and chunks to a peer it was granted to (a key already received cannot be taken back)')
    .argument('<file-id>', 'file id of the grant, or any unique prefix of it')
    .argument('<peer>', 'peer id of the recipient')
    .action(async (fileId: string, peer: string, _opts: unknown, cmd: Command) => {
      await revoke({ fileId, peer, json: globals(cmd).json }, context(cmd))
    })

  program.command('inbox')
    .description('list the files shared with this node: sender, name and size (opened with the granted key); `get <file-id>` downloads one')
    .action(async (_opts: unknown, cmd: Command) => {
      await inbox({ json: globals(cmd).json }, context(cmd))
    })

  program.command('webui')
    .description('print a one-time login URL for the web UI the daemon serves (valid one minute, used once)')
    .option('--open', 'also open it in the default browser')
    .action(async (opts: { open?: boolean }, cmd: Command) => {
      await webui({ open: opts.open === true }, context(cmd))
    })

  program.command('peers')
    .description('list connected peers with their addresses and latency')
    .action(async (_opts: unknown, cmd: Command) => {
      await peers({ json: globals(cmd).json }, context(cmd))
    })

  program.command('swarm')
    .description('manage connections to the swarm')
    .command('connect')
    .description('connect to a peer')
    .argument('<multiaddr>', 'address of the peer; with /p2p/<peer id> at the end, only that peer is accepted there')
    .action(async (addr: string, _opts: unknown, cmd: Command) => {
      await swarmConnect({ addr, json: globals(cmd).json }, context(cmd))
    })

  program.command('status')
    .description('show peer id, addresses, DHT mode and routing table size, file count and storage used; with a file id, its replicas: live holders, target, state and why')
    .argument('[file-id]', 'a file this node shares or holds (id or unique prefix): show its replication')
    .action(async (fileId: string | undefined, _opts: unknown, cmd: Command) => {
      await status({ json: globals(cmd).json, ...(fileId != null ? { fileId } : {}) }, context(cmd))
    })

  program.command('stop')
    .description('stop the running daemon, as Ctrl+C does (its downloads resume at its next start); returns once its process has ended')
    .action(async (_opts: unknown, cmd: Command) => {
      await stop({ json: globals(cmd).json }, context(cmd))
    })

  program.command('completion')
    .description('print a completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(async (shell: Shell) => {
      await completion({ shell }, { print: deps.print, program })
    })

  return program
}

/** Parses `argv` (the arguments after the program name), runs the command, returns the exit code */
export async function run (argv: string[], deps: ProgramDeps): Promise<number> {
  const program = createProgram(deps)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err: any) {
    // commander throws after printing help or the version; those succeeded
    if (err?.code === 'commander.helpDisplayed' || err?.code === 'commander.version') return EXIT_OK
    // help printed because no command was given
    if (err?.code === 'commander.help') return EXIT_USAGE
    const failure = describeError(err)
    const json = program.opts<GlobalOptions>().json === true || argv.includes('--json')
    deps.printError(errorLine(failure, json))
    return failure.exitCode
  }
}

/** Throw instead of exiting, print help where we say, and leave error messages to `run` */
function configure (cmd: Command, deps: ProgramDeps): void {
  cmd.exitOverride().configureOutput({
    writeOut: (text) => { deps.print(text.replace(/\n$/, '')) },
    writeErr: (text) => { deps.printError(text.replace(/\n$/, '')) },
    outputError: () => {}
  })
}

function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/**
 * A bootstrap address must name its peer: libp2p would skip one without /p2p/<peer id>.
 * A textual check, so parsing options loads no multiaddr code; the node parses the
 * address itself and names it if it is not a multiaddr (ERR_CONFIG).
 */
function collectPeerAddress (value: string, previous: string[] | undefined): string[] {
  if (!value.startsWith('/')) throw new InvalidArgumentError('Not a multiaddr.')
  if (!/\/p2p\/[^/]+$/.test(value)) throw new InvalidArgumentError('Add /p2p/<peer id> at the end (`peershare id` on that node prints its addresses with it).')
  return collect(value, previous)
}

type RelayMode = 'auto' | 'on' | 'off'

/** `--no-upnp` and `--relay-server`, only when given: the config file decides otherwise */
function reachabilityFlags (opts: { upnp: boolean, relayServer?: RelayMode }): { upnp?: false, relayServer?: RelayMode } {
  return { ...(opts.upnp === false ? { upnp: false } : {}), ...(opts.relayServer == null ? {} : { relayServer: opts.relayServer }) }
}

function parseRelayMode (value: string): RelayMode {
  if (value !== 'auto' && value !== 'on' && value !== 'off') throw new InvalidArgumentError('One of auto, on, off.')
  return value
}

function parseDhtMode (value: string): DhtMode {
  if (value !== 'auto' && value !== 'client' && value !== 'server') throw new InvalidArgumentError('One of auto, client, server.')
  return value
}

/** `--category`: one of the offer categories, any case; the completion offers them */
/** `--visibility`: who a shared file is served to (the daemon's default: public) */
function visibilityOption (): Option {
  return new Option('--visibility <level>', 'who it is served to: public (default; announced, in the DHT), contacts (contacts only), private (only peers it is granted to)').choices(VISIBILITIES)
}

function categoryOption (): Option {
  const option = new Option('--category <category>', 'what the file or collection is listed under (default: from its content)')
  option.argParser((value: string) => {
    const lower = value.trim().toLowerCase()
    if (!(OFFER_CATEGORIES as readonly string[]).includes(lower)) throw new InvalidArgumentError(`One of ${OFFER_CATEGORIES.join(', ')}.`)
    return lower
  })
  option.argChoices = [...OFFER_CATEGORIES]
  return option
}

function parsePriority (value: string): Priority {
  if (value !== 'low' && value !== 'normal' && value !== 'high') throw new InvalidArgumentError('One of low, normal, high.')
  return value
}

/** Checks a rate's syntax early; the text goes to the node, which parses it the same way */
function checkRate (value: string): string {
  try {
    parseRate(value)
  } catch (err: any) {
    throw new InvalidArgumentError(err.message)
  }
  return value
}

/** Checks a size's syntax early (700MB, 1.5GiB); the command parses it */
function checkSize (value: string): string {
  try {
    parseSize(value)
  } catch (err: any) {
    throw new InvalidArgumentError(err.message)
  }
  return value
}

function parseLimit (value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('A whole number from 1.')
  return n
}

function parsePositive (value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('A positive number.')
  return n
}

function parsePort (value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('Not a port number (0-65535).')
  return port
}
