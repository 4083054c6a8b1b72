/**
 * A node plus its control API: what `peershare daemon` runs. Stopping removes
 * `<repo>/api.json` so clients see the daemon is gone.
 */
import type { NodeInit } from '../config.js'
import { usePrivateUmask } from '../file-modes.js'
import { PeershareNode } from '../peershare-node.js'
import type { ApiEndpoint } from '@peershare/client'
import { ControlServer } from './control-server.js'

export interface DaemonInit extends NodeInit {
  /** control API port on 127.0.0.1; 0 picks a free one @default 0 */
  apiPort?: number
}

export interface Daemon {
  node: PeershareNode
  endpoint: ApiEndpoint
  /** settles when a client asked the daemon to stop (`POST /v1/stop`, `peershare stop`) */
  stopRequested: Promise<void>
  stop(): Promise<void>
}

export async function startDaemon (init: DaemonInit = {}): Promise<Daemon> {
  // before the repo is opened: LevelDB's files can only be made private through the umask
  usePrivateUmask()
  // a daemon looks for LAN peers and maps its port on the router (UPnP) unless config.json
  // or the caller says not to (the library defaults are off: embedded nodes and tests)
  const node = await PeershareNode.create(init, { mdns: true, upnp: true })
  try {
    await node.start()
  } catch (err) {
    // release the repo (datastore lock) before reporting, e.g. a port in use
    await node.stop().catch(() => {})
    throw err
  }
  let requestStop = (): void => {}
  const stopRequested = new Promise<void>(resolve => { requestStop = resolve })
  const control = new ControlServer(node, { onStopRequest: () => { requestStop() } })
  try {
    const endpoint = await control.start({ port: init.apiPort ?? 0 })
    return {
      node,
      endpoint,
      stopRequested,
      stop: async () => {
        await control.stop()
        await node.stop()
      }
    }
  } catch (err) {
    await node.stop()
    throw err
  }
}
