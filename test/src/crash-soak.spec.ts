/**
 * Crash loop (catalogue D1, D2): a downloading daemon is killed with SIGKILL at random
 * moments; between kills its partial file is damaged the way a torn write leaves it
 * (random bytes over a verified chunk, a truncated tail). Invariants after every kill
 * and restart: every chunk recorded as verified holds the original bytes (nothing
 * unverified is trusted); the restored download holds at least what was checkpointed
 * minus what the damage destroyed; each completed file matches byte for byte.
 * 200 kills run on request (`@soak`, PEERSHARE_SOAK=1); 10 kills run with the suite.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Bitfield } from '@peershare/protocol'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { type DaemonProcess, children, cli, cliJson, sha256File, startDaemon, tcpAddress, until } from './processes.js'

const MiB = 1024 * 1024
const SIZE = 64 * MiB
const CHUNK = MiB
const CHUNKS = SIZE / CHUNK

/** The verified bitfield a killed daemon left in its datastore, if any */
async function savedVerified (repo: string, fileId: string): Promise<Bitfield | undefined> {
  const ds = new LevelDatastore(join(repo, 'datastore'))
  await ds.open()
  try {
    const key = new Key(`/peershare/transfers/${fileId}/verified`)
    return (await ds.has(key)) ? new Bitfield(CHUNKS, await ds.get(key)) : undefined
  } finally {
    await ds.close()
  }
}

/** A download that does not end, for a person: its `transfers --json` entry and the end of the daemon's log (DEBUG=peershare* for more) */
function stuck (transfer: unknown, daemon: DaemonProcess): string {
  const log = daemon.stderr().trimEnd().split('\n').slice(-40).join('\n')
  return `${JSON.stringify(transfer, null, 2)}\nthe daemon's stderr ends:\n${log}`
}

function crashLoop (kills: number, title: string): void {
  describe(title, function () {
    this.timeout(kills * 20_000 + 120_000)
    let dir: string
    let source: DaemonProcess
    let original: Buffer
    let fileId: string

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'peershare-crash-'))
      source = await startDaemon(join(dir, 'source'), dir)
      original = randomBytes(SIZE)
      await writeFile(join(dir, 'big.bin'), original)
      fileId = (await cliJson(source, ['share', join(dir, 'big.bin')], dir)).fileId
    })

    after(async () => {
      for (const child of children) child.kill('SIGKILL')
      await until(() => children.size === 0, 'child processes to end', 10_000).catch(() => {})
      if (dir != null) await rm(dir, { recursive: true, force: true })
    })

    it(`${kills} SIGKILLs with torn writes: no verified chunk lost beyond the damage, none unverified trusted, the file completes byte for byte`, async function () {
      // the wait for completion ends before mocha's timeout, so a download that never completes says why
      const giveUp = Date.now() + this.timeout() - 30_000
      const repo = join(dir, 'getter')
      const expected = await sha256File(join(dir, 'big.bin'))
      let round = 0
      let output = join(dir, `out-${round}.bin`)
      // a download limit makes each run last a few seconds, so kills land mid-download
      const daemonArgs = ['--download-limit', '24MiB']
      let getter = await startDaemon(repo, dir, daemonArgs)
      const begin = async (): Promise<void> => {
        const started = await cli(['--repo', repo, 'get', fileId, '--peer', tcpAddress(source), '-o', output, '--detach'], dir)
        assert.equal(started.code, 0, started.stderr)
      }
      await begin()
      for (let kill = 0; kill < kills; kill++) {
        await new Promise(resolve => setTimeout(resolve, randomInt(50, 1500)))
        getter.child.kill('SIGKILL')
        await getter.exited
        let minimum = 0
        const partial = `${output}.peershare-partial`
        const verified = await savedVerified(repo, fileId)
        if (verified != null && existsSync(partial)) {
          const handle = await open(partial, 'r+')
          try {
            // nothing unverified is trusted: each chunk recorded as verified holds the original bytes
            const held: number[] = []
            for (let i = 0; i < CHUNKS; i++) {
              if (!verified.has(i)) continue
              const bytes = Buffer.alloc(CHUNK)
              const { bytesRead } = await handle.read(bytes, 0, CHUNK, i * CHUNK)
              assert.equal(bytesRead, CHUNK, `chunk ${i} is recorded as verified but not all on disk (kill ${kill})`)
              assert.ok(bytes.equals(original.subarray(i * CHUNK, (i + 1) * CHUNK)), `chunk ${i} recorded as verified holds other bytes (kill ${kill})`)
              held.push(i)
            }
            const damaged = new Set<number>()
            if (held.length > 0) {
              // a torn write: the complement of 16 original bytes somewhere in a verified chunk
              const k = held[randomInt(held.length)]
              const at = k * CHUNK + randomInt(CHUNK - 16)
              const flipped = Buffer.from(original.subarray(at, at + 16).map(b => b ^ 0xff))
              await handle.write(flipped, 0, 16, at)
              damaged.add(k)
            }
            if (randomInt(2) === 0) {
              // and a tail cut off somewhere in the last 4 MiB written
              const length = (await handle.stat()).size
              const cut = Math.max(0, length - randomInt(4 * MiB))
              await handle.truncate(cut)
              for (const i of held) if ((i + 1) * CHUNK > cut) damaged.add(i)
            }
            minimum = (held.length - damaged.size) * CHUNK
          } finally {
            await handle.close()
          }
        }
        getter = await startDaemon(repo, dir, daemonArgs)
        const restored = (getter.info as any).downloads.find((d: any) => d.fileId === fileId)
        if (restored != null) {
          assert.notEqual(restored.state, 'paused', `the download runs again after kill ${kill}: ${JSON.stringify(restored)}`)
          assert.ok(restored.bytesDone >= minimum, `kill ${kill}: ${restored.bytesDone} bytes held after the restart, ${minimum} were checkpointed and undamaged`)
        } else if (existsSync(output)) {
          // the kill came after completion: a new round
          assert.equal(await sha256File(output), expected)
          await cliJson(getter, ['rm', fileId], dir)
          round++
          output = join(dir, `out-${round}.bin`)
          await begin()
        } else {
          assert.fail(`kill ${kill}: the download is neither restored nor complete`)
        }
      }
      const end = Math.min(Date.now() + 300_000, giveUp)
      for (;;) {
        const transfer = (await cliJson(getter, ['transfers'], dir)).find((t: any) => t.fileId === fileId)
        if (transfer == null) break
        // a failed download stays listed and never resumes by itself: no use waiting for it
        if (transfer.state === 'failed' || Date.now() > end) assert.fail(`the download did not complete after the last restart: ${stuck(transfer, getter)}`)
        await new Promise(resolve => setTimeout(resolve, 250))
      }
      assert.equal(await sha256File(output), expected)
      assert.equal((await stat(output)).size, SIZE)
      assert.deepEqual(await readFile(output), original)
      getter.child.kill('SIGTERM')
      await getter.exited
    })
  })
}

crashLoop(10, 'crash loop: a downloading daemon killed 10 times')
crashLoop(200, 'crash loop @soak: a downloading daemon killed 200 times')
