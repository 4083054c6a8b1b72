import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ControlApiError, DaemonLostError } from '@peershare/client'
import { collectionIdFromBytes, formatCollectionId } from '@peershare/protocol'
import { type ProgressDisplay, type ProgressEvent, get } from '../src/commands/get.js'
import { FILE, FILE_ID, PEER_ADDR, capture, doneEvent, fakeClient, progressEvent, stalledEvent } from './fakes.js'

/** A progress display that records what it was shown */
function recordingDisplay (): { make: () => ProgressDisplay, updates: ProgressEvent[], stops: () => number } {
  const updates: ProgressEvent[] = []
  let stops = 0
  return {
    updates,
    stops: () => stops,
    make: () => ({ update: (event) => { updates.push(event) }, stop: () => { stops++ } })
  }
}

describe('get command', () => {
  let dir: string
  const events = [progressEvent(1024 * 1024), progressEvent(FILE.size), doneEvent()]

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-cli-get-'))
    await writeFile(join(dir, 'exists.bin'), 'x')
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('sends ref, peer, output and cwd to the daemon', async () => {
    const client = fakeClient()
    await get({ ref: FILE_ID, peer: [PEER_ADDR], output: 'out.pdf' }, { client, print: capture().print, cwd: dir })
    assert.deepEqual(client.calls, [{ method: 'get', request: { ref: FILE_ID, peer: PEER_ADDR, output: 'out.pdf', cwd: dir } }])
  })

  it('sends the first --peer as the first source and the others as more sources, with the priority', async () => {
    const client = fakeClient()
    const other = PEER_ADDR.replace('4001', '4002')
    await get({ ref: FILE_ID, peer: [PEER_ADDR, other], priority: 'high' }, { client, print: capture().print, cwd: dir })
    assert.deepEqual(client.calls[0].request, { ref: FILE_ID, peer: PEER_ADDR, peers: [other], output: undefined, cwd: dir, priority: 'high' })
  })

  it('with --detach starts the download in the daemon and returns', async () => {
    const client = fakeClient()
    const out = capture()
    await get({ ref: FILE_ID, detach: true }, { client, print: out.print, cwd: dir })
    assert.equal(client.calls[0].method, 'startDownload')
    assert.match(out.lines[0], /in the daemon/)
    // a held file has no output: not "to  in the daemon"
    const held = capture()
    await get({ ref: FILE_ID, detach: true, hold: true }, { client: { ...fakeClient(), startDownload: async () => ({ ...progressEvent(0), output: '' }) } as any, print: held.print, cwd: dir })
    assert.match(held.lines[0], /^Downloading \S+ into the repo in the daemon/)
  })

  it('with --json prints every event as one JSON line: progress, then done', async () => {
    const out = capture()
    const display = recordingDisplay()
    await get({ ref: FILE_ID, peer: [PEER_ADDR], json: true }, { client: fakeClient({ events }), print: out.print, cwd: dir, progress: display.make })
    assert.deepEqual(out.lines.map(line => JSON.parse(line)), events)
    assert.equal(display.updates.length, 0, 'no bar in JSON mode')
  })

  it('on a terminal feeds the progress display, stops it, then prints the saved path', async () => {
    const out = capture()
    const display = recordingDisplay()
    await get({ ref: FILE_ID, peer: [PEER_ADDR] }, { client: fakeClient({ events }), print: out.print, cwd: dir, progress: display.make })
    assert.deepEqual(display.updates, events.slice(0, 2))
    assert.equal(display.stops(), 1)
    assert.deepEqual(out.lines, ['Saved report.pdf (3.0 MiB) to /data/report.pdf'])
  })

  it('without a terminal prints only the final line', async () => {
    const out = capture()
    await get({ ref: FILE_ID, peer: [PEER_ADDR] }, { client: fakeClient({ events }), print: out.print, cwd: dir })
    assert.deepEqual(out.lines, ['Saved report.pdf (3.0 MiB) to /data/report.pdf'])
  })

  it('without a terminal says on stderr when the download has stalled a while (once per reason) and when it goes on', async () => {
    const out = capture()
    const err = capture()
    const noPeers = { ...stalledEvent(), stallReason: 'no-peers' as const, stallMessage: 'connected to no peer: nobody to ask for it' }
    // the clock moves a second each time it is read
    let clock = 0
    const now = (): number => { clock += 1000; return clock }
    // the same reason with another message (its details change from look to look) is not said again
    const stalls = [noPeers, { ...noPeers, nextLookIn: 2 }, noPeers, { ...noPeers, stallMessage: 'connected to no peer: still' }, noPeers, stalledEvent()]
    await get({ ref: FILE_ID }, { client: fakeClient({ events: [...stalls, ...events] }), print: out.print, printError: err.print, cwd: dir, now })
    assert.deepEqual(err.lines, [
      'Stalled: connected to no peer: nobody to ask for it; it keeps looking (Ctrl+C leaves it to the daemon)',
      'Stalled: providers unreachable: 1 known, none answers; it keeps looking (Ctrl+C leaves it to the daemon)',
      'Downloading again'
    ])
    assert.deepEqual(out.lines, ['Saved report.pdf (3.0 MiB) to /data/report.pdf'])
    const brief = capture()
    await get({ ref: FILE_ID }, { client: fakeClient({ events: [noPeers, ...events] }), print: capture().print, printError: brief.print, cwd: dir, now })
    assert.deepEqual(brief.lines, [], 'a stall that passes at once is not said')
  })

  it('takes a collection id: one bar for the whole tree, then where it was saved', async () => {
    const ref = formatCollectionId(await collectionIdFromBytes(Uint8Array.of(8, 1)))
    const progress = { type: 'collection-progress' as const, collectionId: ref, name: 'photos', output: '/data/photos', state: 'running' as const, filesDone: 3, filesTotal: 10, bytesDone: 2048, bytesTotal: 4096, rate: 1024, active: 2 }
    const collection = { collectionId: ref, name: 'photos', files: 10, directories: 0, size: 4096, description: '', tags: [], created: 1, category: 'image' as const, modified: 2 }
    const out = capture()
    const display = recordingDisplay()
    await get({ ref, output: 'photos' }, { client: fakeClient({ events: [progress, { type: 'done', collection, path: '/data/photos' }] }), print: out.print, cwd: dir, progress: display.make })
    assert.equal(display.updates.length, 1)
    assert.equal(display.updates[0].name, 'photos 3/10 files')
    assert.equal(display.updates[0].bytesDone, 2048)
    assert.deepEqual(out.lines, ['Saved photos: 10 files (4.0 KiB) to /data/photos'])
  })

  it('accepts a SHA-256 as the reference', async () => {
    const client = fakeClient()
    await get({ ref: `sha256:${FILE.sha256}`, peer: [PEER_ADDR] }, { client, print: capture().print, cwd: dir })
    assert.equal(client.calls.length, 1)
  })

  it('rejects a bad file id with InvalidFileIdError before asking the daemon', async () => {
    const client = fakeClient()
    await assert.rejects(get({ ref: 'not-a-file-id', peer: [PEER_ADDR] }, { client, print: capture().print, cwd: dir }), { name: 'InvalidFileIdError', code: 'ERR_INVALID_FILE_ID' })
    assert.deepEqual(client.calls, [])
  })

  it('rejects an existing output file with OutputExistsError before asking the daemon; a directory is fine', async () => {
    const client = fakeClient()
    await assert.rejects(get({ ref: FILE_ID, peer: [PEER_ADDR], output: 'exists.bin' }, { client, print: capture().print, cwd: dir }), (err: any) => err.code === 'ERR_OUTPUT_EXISTS' && /--force replaces it/.test(err.message))
    // a device is never replaced: --force is not offered for it
    await assert.rejects(get({ ref: FILE_ID, peer: [PEER_ADDR], output: '/dev/null' }, { client, print: capture().print, cwd: dir }), (err: any) => err.code === 'ERR_OUTPUT_EXISTS' && /not a regular file: never replaced/.test(err.message))
    assert.deepEqual(client.calls, [])
    await get({ ref: FILE_ID, peer: [PEER_ADDR], output: '.' }, { client, print: capture().print, cwd: dir })
    assert.equal(client.calls.length, 1)
  })

  it('passes the daemon\'s error through and still stops the display', async () => {
    const error = new ControlApiError({ code: 'ERR_PEER_UNREACHABLE', message: 'Cannot reach peer' })
    const display = recordingDisplay()
    const out = capture()
    await assert.rejects(get({ ref: FILE_ID, peer: [PEER_ADDR] }, { client: fakeClient({ error }), print: out.print, cwd: dir, progress: display.make }), { code: 'ERR_PEER_UNREACHABLE' })
    assert.equal(display.stops(), 1)
    assert.deepEqual(out.lines, [])
  })

  it('-o - asks the daemon to stream, writes the verified bytes to stdout and prints nothing else there', async () => {
    const bytes = new Uint8Array(FILE.size).fill(7)
    const client = fakeClient({ events, content: [bytes.subarray(0, 1000), bytes.subarray(1000)] })
    const out = capture()
    const written: Uint8Array[] = []
    await get({ ref: FILE_ID, output: '-', json: true }, { client, print: out.print, cwd: dir, writeStdout: async (part) => { written.push(part) } })
    assert.deepEqual(client.calls.find(c => c.method === 'get')?.request, { ref: FILE_ID, peer: undefined, output: undefined, cwd: dir, stream: true })
    assert.deepEqual(client.calls.filter(c => c.method === 'content').map(c => c.request), [FILE_ID])
    assert.equal(Buffer.concat(written).byteLength, FILE.size)
    assert.deepEqual(out.lines, [], 'stdout carries the file only, even with --json')
  })

  it('-o - fails when the daemon sends fewer bytes than the file has', async () => {
    const client = fakeClient({ events, content: [new Uint8Array(10)] })
    await assert.rejects(get({ ref: FILE_ID, output: '-' }, { client, print: capture().print, cwd: dir, writeStdout: async () => {} }), /sent 10 of/)
  })

  it('-o - when the daemon is lost mid-file says so (ERR_DAEMON_LOST and how the download goes on), not a bare "aborted"', async () => {
    const client = {
      ...fakeClient({ events }),
      // the progress stream stays open until aborted, as the daemon's does
      get: async (_request: unknown, onEvent: (event: any) => void, signal?: AbortSignal) => await new Promise<never>((_resolve, reject) => {
        onEvent(progressEvent(1024))
        // as node:http (the CLI's transport) fails a body whose request was aborted
        signal?.addEventListener('abort', () => { reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })) })
      }),
      content: async function * () {
        yield new Uint8Array(10)
        throw new DaemonLostError('The daemon stopped answering mid-way (it stopped, or crashed): other side closed')
      }
    }
    await assert.rejects(get({ ref: FILE_ID, output: '-' }, { client: client as any, print: capture().print, cwd: dir, writeStdout: async () => {} }), (err: any) => err.code === 'ERR_DAEMON_LOST' && /goes on when the daemon starts again/.test(err.message))
  })

  it('-o - with --detach is a usage error', async () => {
    await assert.rejects(get({ ref: FILE_ID, output: '-', detach: true }, { client: fakeClient(), print: capture().print, cwd: dir }), { name: 'UsageError' })
  })

  it('--hold asks the daemon to keep the file in the repo and says so; with -o it is a usage error', async () => {
    const client = fakeClient({ events: [{ type: 'done', file: { ...FILE, name: FILE_ID, encrypted: true }, path: '' }] })
    const out = capture()
    await get({ ref: FILE_ID, hold: true }, { client, print: out.print, cwd: dir })
    assert.deepEqual(client.calls[0].request, { ref: FILE_ID, peer: undefined, output: undefined, cwd: dir, hold: true })
    assert.match(out.lines[0], /^Holding .* in the repo, served to peers: encrypted, no key here$/)
    await assert.rejects(get({ ref: FILE_ID, hold: true, output: 'x.bin' }, { client: fakeClient(), print: capture().print, cwd: dir }), { name: 'UsageError' })
  })

  it('--force lets an existing output through to the daemon, which replaces it; --timeout is sent in ms', async () => {
    const client = fakeClient()
    await get({ ref: FILE_ID, output: 'exists.bin', force: true, timeout: 2.5 }, { client, print: capture().print, cwd: dir })
    assert.deepEqual(client.calls[0].request, { ref: FILE_ID, peer: undefined, output: 'exists.bin', cwd: dir, force: true, timeout: 2500 })
  })

  it('shows a stalled download on the display', async () => {
    const display = recordingDisplay()
    await get({ ref: FILE_ID }, { client: fakeClient({ events: [stalledEvent(), ...events] }), print: capture().print, cwd: dir, progress: display.make })
    assert.equal(display.updates[0].state, 'stalled')
    assert.equal(display.updates[0].stallReason, 'providers-unreachable')
  })

  it('on Ctrl+C detaches with one line naming `peershare transfers` and `peershare cancel <id>`', async () => {
    let interrupt: () => void = () => {}
    let removed = false
    const client = {
      ...fakeClient(),
      get: async (_request: unknown, onEvent: (event: any) => void = () => {}, signal?: AbortSignal) => {
        onEvent(stalledEvent())
        setImmediate(interrupt)
        return new Promise<never>((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(new Error('aborted')) }) })
      }
    }
    const onInterrupt = (handler: () => void): (() => void) => {
      interrupt = handler
      return () => { removed = true }
    }
    const err = await get({ ref: FILE_ID }, { client, print: capture().print, cwd: dir, onInterrupt }).then(() => undefined, (e: Error) => e)
    assert.equal(err?.name, 'InterruptedError')
    assert.match(err?.message ?? '', /peershare transfers/)
    assert.ok(err?.message.includes(`peershare cancel ${FILE_ID}`))
    assert.equal(removed, true, 'the Ctrl+C handler is removed')
  })
})
