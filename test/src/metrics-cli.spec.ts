/**
 * Prometheus metrics through the real program: daemons with their defaults (only
 * --no-mdns and a loopback --listen) serve `GET /metrics` on the control API, behind its
 * token; the whole exposition parses strictly; the figures move with a real transfer.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CHUNK_SIZE, EXCHANGE_PROTOCOL } from '@peershare/protocol'
import { cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon, until } from './processes.js'
import { type Family, parseExposition, value } from './prometheus-text.js'

const MiB = 1024 * 1024
const FILE_BYTES = 3 * MiB + 123

describe('metrics: GET /metrics on the control API (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let sharer: DaemonProcess
  let getter: DaemonProcess

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  const endpoint = async (d: DaemonProcess): Promise<{ url: string, token: string }> => JSON.parse(await readFile(join(d.repo, 'api.json'), 'utf8'))
  const scrapeResponse = async (d: DaemonProcess, token?: string): Promise<Response> => {
    const api = await endpoint(d)
    return fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${token ?? api.token}` } })
  }
  const scrape = async (d: DaemonProcess): Promise<Map<string, Family>> => {
    const res = await scrapeResponse(d)
    assert.equal(res.status, 200)
    return parseExposition(await res.text())
  }
  /** scrapes until `condition` holds on the figures */
  const scrapeUntil = async (d: DaemonProcess, what: string, condition: (m: Map<string, Family>) => boolean): Promise<Map<string, Family>> => {
    let last = new Map<string, Family>()
    let busy = false
    await until(() => {
      if (!busy) {
        busy = true
        void scrape(d).then(m => { last = m }).finally(() => { busy = false })
      }
      return condition(last)
    }, what, 60_000)
    return last
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-metrics-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    getter = await startDaemon(join(dir, 'getter'), dir)
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('serves the whole exposition in Prometheus text format: libp2p\'s metrics, the process\'s and peershare\'s, every line well-formed', async () => {
    const res = await scrapeResponse(sharer)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/)
    const families = parseExposition(await res.text())
    const names = [...families.keys()]
    assert.ok(names.filter(n => n.startsWith('libp2p_')).length >= 20, `libp2p's metrics: ${names.join(' ')}`)
    assert.ok(families.has('process_cpu_user_seconds_total') && families.has('nodejs_eventloop_lag_seconds'), 'process metrics (metrics.collectDefault)')
    for (const name of ['peershare_transfers', 'peershare_download_bytes_total', 'peershare_upload_bytes_total', 'peershare_chunk_verify_failures_total',
      'peershare_peer_bans_total', 'peershare_chunk_request_seconds', 'peershare_provide_queue', 'peershare_gossip_validation_total', 'peershare_catalog_entries',
      'peershare_search_seconds', 'peershare_replicas_held', 'peershare_files_under_replicated', 'peershare_quota_bytes']) {
      assert.ok(families.has(name), `${name} exported`)
      assert.notEqual(families.get(name)?.help, '', `${name} has a HELP line`)
    }
    assert.equal(value(families, 'peershare_transfers', { state: 'running' }), 0)
    assert.equal(value(families, 'peershare_quota_bytes', { kind: 'total' }), 0, 'no quota offered by default')
  })

  it('refuses a scrape without the token, or with a wrong one', async () => {
    const api = await endpoint(sharer)
    const bare = await fetch(`${api.url}/metrics`)
    assert.equal(bare.status, 401)
    assert.equal((await bare.json()).error.code, 'ERR_UNAUTHORIZED')
    const wrong = await scrapeResponse(sharer, 'x'.repeat(api.token.length))
    assert.equal(wrong.status, 401)
  })

  it('moves with a real transfer: transfers by state, bytes up on the sharer and down on the getter, chunk requests timed', async () => {
    const file = join(dir, 'measured.bin')
    await writeFile(file, randomBytes(FILE_BYTES))
    const shared = await json(sharer, ['share', file])
    const before = { sharer: await scrape(sharer), getter: await scrape(getter) }
    const sentBefore = value(before.sharer, 'peershare_upload_bytes_total') ?? -1
    const exchangeSent = (m: Map<string, Family>): number => value(m, 'libp2p_data_transfer_bytes_total', { protocol: `${EXCHANGE_PROTOCOL} sent` }) ?? 0
    assert.equal(value(before.getter, 'peershare_download_bytes_total'), 0)
    assert.equal(value(before.getter, 'peershare_chunk_request_seconds_count'), 0)

    // slow enough to be seen running, then paused
    await json(getter, ['limits', '--download', '256KiB', '--temporary'])
    const into = join(dir, 'downloads')
    await mkdir(into)
    await cliJson(getter, ['get', '--detach', shared.ticket], into)
    const fileId: string = shared.fileId
    await scrapeUntil(getter, 'a running download', m => value(m, 'peershare_transfers', { state: 'running' }) === 1)
    await json(getter, ['pause', fileId])
    const paused = await scrapeUntil(getter, 'the download paused', m => value(m, 'peershare_transfers', { state: 'paused' }) === 1)
    assert.equal(value(paused, 'peershare_transfers', { state: 'running' }), 0)
    await json(getter, ['limits', '--download', '0', '--temporary'])
    await json(getter, ['resume', fileId])
    // all bytes counted is not done yet: the whole-file check and the move into place follow (a busy machine shows it stalled meanwhile)
    const after = await scrapeUntil(getter, 'the download done', m => value(m, 'peershare_download_bytes_total') === FILE_BYTES &&
      ['running', 'stalled', 'paused'].every(state => value(m, 'peershare_transfers', { state }) === 0))
    assert.equal(await sha256File(join(into, 'measured.bin')), await sha256File(file))

    const chunks = Math.ceil(FILE_BYTES / DEFAULT_CHUNK_SIZE)
    assert.equal(value(after, 'peershare_chunk_request_seconds_count'), chunks, 'one timed request per chunk')
    assert.ok((value(after, 'peershare_chunk_request_seconds_sum') ?? 0) > 0)
    assert.equal(value(after, 'peershare_chunk_verify_failures_total'), 0)
    assert.equal(value(after, 'peershare_upload_bytes_total'), 0, 'the getter sent nothing')

    const sharerAfter = await scrape(sharer)
    assert.ok((value(sharerAfter, 'peershare_upload_bytes_total') ?? 0) - sentBefore >= FILE_BYTES, 'the sharer counted the bytes it sent')
    assert.equal(value(sharerAfter, 'peershare_download_bytes_total'), 0, 'the sharer received no chunks')
    assert.ok(exchangeSent(sharerAfter) - exchangeSent(before.sharer) >= FILE_BYTES, 'libp2p counted the exchange protocol\'s bytes')
    assert.ok((value(sharerAfter, 'peershare_catalog_entries', { origin: 'own' }) ?? 0) >= 1, 'the shared file\'s offer is in the catalog')
  })
})
