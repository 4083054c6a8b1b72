/**
 * The real dependencies of the program: this process's streams and signals, and the
 * node. The node (libp2p and all) is loaded only when `peershare daemon` starts one.
 */
import { once } from 'node:events'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { NodeInfo } from '@peershare/client'
import { connectToRepo } from '@peershare/client/repo'
import type { RunningDaemon } from './commands/daemon.js'
import type { ProgramDeps } from './program.js'
import { progressBar } from './progress-bar.js'

export function processDeps (): ProgramDeps {
  return {
    print: (line) => { process.stdout.write(`${line}\n`) },
    printError: (line) => { process.stderr.write(`${line}\n`) },
    connect: connectToRepo,
    findRunning,
    startDaemon: async (init): Promise<RunningDaemon> => {
      const { RepoError, startDaemon } = await import('@peershare/node')
      const daemon = await startDaemon(init).catch(async (err: any) => {
        if (err?.name === 'OpenFailedError') throw new RepoError(await datastoreProblem(init.repo))
        throw err
      })
      // a client's stop request ends the daemon as a signal does, its handlers with it
      void daemon.stopRequested.then(() => { stopAsked?.('a stop request (peershare stop)') })
      try {
        return {
          peerId: daemon.node.peerId.toString(),
          addresses: daemon.node.addresses.map(a => a.toString()),
          api: daemon.endpoint.url,
          // nothing else can start a download before the control API is up: these are the restored ones
          downloads: daemon.node.transfers.list(),
          quarantined: daemon.node.quarantine.count,
          onIsolation: listener => daemon.node.swarm.onIsolation(listener),
          stop: async () => { await daemon.stop() }
        }
      } catch (err) {
        // a daemon left running here would hold the repo and keep the process alive
        await daemon.stop().catch(() => {})
        throw err
      }
    },
    stopSignal,
    progress: process.stderr.isTTY ? () => progressBar(process.stderr) : undefined,
    writeStdout: async (bytes) => {
      if (!process.stdout.write(bytes)) await once(process.stdout, 'drain')
    },
    // Ctrl+C, and SIGTERM as `timeout` or a service manager sends it: the attached command says the download goes on
    onInterrupt: (handler) => {
      const onInt = (): void => { handler('SIGINT') }
      const onTerm = (): void => { handler('SIGTERM') }
      process.on('SIGINT', onInt)
      process.on('SIGTERM', onTerm)
      return () => {
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
      }
    },
    cwd: process.cwd(),
    env: process.env
  }
}

/**
 * Why the repo's datastore did not open (LevelDB's error keeps no cause): a folder it may
 * not write in (a read-only mount, a repo of another user), else its lock held by
 * another process. A read-only repo was blamed on another daemon.
 */
async function datastoreProblem (repo: string | undefined): Promise<string> {
  if (repo == null) return 'Cannot open the datastore of the repo: is another peershare daemon using it?'
  const dir = join(repo, 'datastore')
  const unwritable = await access(dir, constants.W_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err)
  if (unwritable != null && unwritable.code !== 'ENOENT') return `Cannot open the datastore of repo ${repo}: ${dir} is not writable (${unwritable.code === 'EROFS' ? 'a read-only file system' : unwritable.code})`
  return `Cannot open the datastore of repo ${repo}: is another peershare daemon using it?`
}

/** A daemon that answers GET /v1/id on the endpoint in `<repo>/api.json`; a stale file is no daemon */
async function findRunning (repo: string): Promise<NodeInfo | undefined> {
  try {
    const client = await connectToRepo(repo)
    return await client.id()
  } catch {
    return undefined
  }
}

/** Ends the wait of `stopSignal` as a signal does, with what asked for it (`peershare stop`) */
let stopAsked: ((reason: string) => void) | undefined

/**
 * Settles on the first SIGINT or SIGTERM, or a client's stop request (`stopAsked`). The
 * handlers stay until then, so a signal that arrives while the daemon starts still stops
 * it cleanly; a second one (after the handlers are gone) ends the process the default way.
 */
async function stopSignal (): Promise<string> {
  return new Promise(resolve => {
    const onSignal = (signal: string): void => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      stopAsked = undefined
      resolve(signal)
    }
    stopAsked = onSignal
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
