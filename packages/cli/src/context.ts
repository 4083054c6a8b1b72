/**
 * What commands receive besides their options: the control API client and `print`,
 * injected so every command can be unit-tested with a fake client.
 */
import type { ControlClient } from '@peershare/client'

/** The part of the control API client the commands use */
export type CliClient = Pick<ControlClient, 'id' | 'files' | 'collections' | 'share' | 'ticket' | 'get' | 'status' | 'stop' | 'peers' | 'connect' | 'providers' | 'remove' | 'startDownload' | 'transfers' | 'pause' | 'resume' | 'cancel' | 'limits' | 'setLimits' | 'content' | 'verify' | 'search' | 'browse' | 'offer' | 'grant' | 'revoke' | 'inbox' | 'addContact' | 'contacts' | 'removeContact' | 'setVisibility' | 'replicate' | 'replication' | 'replicas' | 'webuiLogin'>

/** Writes one line to stdout */
export type Print = (line: string) => void

export interface CommandContext {
  client: CliClient
  print: Print
  /** the user's working directory: relative paths are resolved against it */
  cwd: string
}

/**
 * A client that connects on first use, so a command can check its input (a file id,
 * a path) and report that before needing a daemon.
 */
export function lazyClient (connect: () => Promise<CliClient>): CliClient {
  let client: Promise<CliClient> | undefined
  const ready = async (): Promise<CliClient> => {
    client ??= connect()
    return client
  }
  return {
    id: async () => (await ready()).id(),
    files: async (options) => (await ready()).files(options),
    replicas: async () => (await ready()).replicas(),
    collections: async () => (await ready()).collections(),
    share: async (request) => (await ready()).share(request),
    replicate: async (fileId, replicas) => (await ready()).replicate(fileId, replicas),
    replication: async (fileId) => (await ready()).replication(fileId),
    ticket: async (fileId) => (await ready()).ticket(fileId),
    get: async (request, onEvent, signal) => (await ready()).get(request, onEvent, signal),
    content: async function * (fileId, signal) { yield * (await ready()).content(fileId, signal) },
    status: async () => (await ready()).status(),
    stop: async () => (await ready()).stop(),
    peers: async () => (await ready()).peers(),
    webuiLogin: async () => (await ready()).webuiLogin(),
    connect: async (addr) => (await ready()).connect(addr),
    providers: async (request, onProvider, signal) => (await ready()).providers(request, onProvider, signal),
    remove: async (fileId) => (await ready()).remove(fileId),
    startDownload: async (request) => (await ready()).startDownload(request),
    transfers: async () => (await ready()).transfers(),
    pause: async (fileId) => (await ready()).pause(fileId),
    resume: async (fileId) => (await ready()).resume(fileId),
    cancel: async (fileId) => (await ready()).cancel(fileId),
    limits: async () => (await ready()).limits(),
    setLimits: async (limits) => (await ready()).setLimits(limits),
    verify: async (ref) => (await ready()).verify(ref),
    search: async (request, onUpdate, signal) => (await ready()).search(request, onUpdate, signal),
    browse: async (request) => (await ready()).browse(request),
    offer: async (id) => (await ready()).offer(id),
    grant: async (fileId, peers) => (await ready()).grant(fileId, peers),
    revoke: async (fileId, peer) => (await ready()).revoke(fileId, peer),
    inbox: async () => (await ready()).inbox(),
    addContact: async (peerId, name) => (await ready()).addContact(peerId, name),
    contacts: async () => (await ready()).contacts(),
    removeContact: async (nameOrPeerId) => (await ready()).removeContact(nameOrPeerId),
    setVisibility: async (fileId, level) => (await ready()).setVisibility(fileId, level)
  }
}
