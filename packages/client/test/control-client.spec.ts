import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectToRepo } from '../src/repo.js'

/** A TCP port on 127.0.0.1 that nothing listens on */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('connectToRepo', () => {
  let dir: string

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'peershare-client-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('without api.json: DaemonNotRunningError naming the repo and the command that starts its daemon', async () => {
    const repo = join(dir, 'no daemon')
    await assert.rejects(connectToRepo(repo), (err: any) => {
      assert.equal(err.name, 'DaemonNotRunningError')
      assert.equal(err.code, 'ERR_DAEMON_NOT_RUNNING')
      // the fix, quoted for a shell because the path has a space
      assert.ok(err.message.includes(`peershare --repo '${repo}' daemon`), err.message)
      return true
    })
  })

  it('with a stale api.json: the first request fails with the same error', async () => {
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${await closedPort()}`, token: 't', pid: 1 }))
    const client = await connectToRepo(dir)
    await assert.rejects(client.id(), (err: any) => {
      assert.equal(err.name, 'DaemonNotRunningError')
      assert.ok(err.message.includes(`peershare --repo ${dir} daemon`), err.message)
      return true
    })
  })
})
