/** TCP servers on 127.0.0.1 that stand between a dialler and a listener, for the transport specs */
import { type Server, type Socket, createServer, connect } from 'node:net'

async function listening (server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * A relay in front of port `target`: each client gets a connection of its own to it,
 * and `wire` passes the bytes between the two (as it likes); either closing or failing
 * closes the other. `connections` counts the clients.
 */
export class TcpRelay {
  connections = 0
  private readonly server: Server
  private readonly sockets: Socket[] = []

  constructor (target: number, wire: (client: Socket, upstream: Socket) => void = (client, upstream) => { client.pipe(upstream).pipe(client) }) {
    this.server = createServer((client) => {
      this.connections++
      const upstream = connect(target, '127.0.0.1')
      this.sockets.push(client, upstream)
      wire(client, upstream)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }

  async listen (): Promise<number> {
    return listening(this.server)
  }

  close (): void {
    for (const socket of this.sockets) socket.destroy()
    this.server.close()
  }
}

/** multistream-select's header and `na`: a listener's answer to a protocol it lacks */
const REFUSAL = Buffer.concat([Buffer.from([19]), Buffer.from('/multistream/1.0.0\n'), Buffer.from([3]), Buffer.from('na\n')])

/** A listener that answers the first bytes of each connection with `na`, then nothing; counts its connections */
export class RefusingListener {
  connections = 0
  private readonly server: Server

  constructor () {
    this.server = createServer((socket) => {
      this.connections++
      socket.once('data', () => { socket.write(REFUSAL) })
      socket.on('error', () => {})
    })
  }

  async listen (): Promise<number> {
    return listening(this.server)
  }

  close (): void {
    this.server.close()
  }
}
