/**
 * Search, browse and show through the real program: two daemons with their defaults
 * (only --no-mdns and a loopback --listen), connected; a file shared with tags on one
 * is found by `search --local` there and by `search` on the other once its offer
 * arrived; `browse`, `show`, and `get` of a result's id.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, cliJson, type DaemonProcess, killChildrenAndRemove, sha256File, startDaemon, tcpAddress, } from './processes.js'

describe('search, browse, show (real processes)', function () {
  this.timeout(180_000)
  let dir: string
  let sharer: DaemonProcess
  let finder: DaemonProcess
  let file: string
  let shared: any

  const json = async (d: DaemonProcess, args: string[]): Promise<any> => cliJson(d, args, dir)
  /** Polls an async check until it holds (offers travel by gossip: no fixed wait) */
  const eventually = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    const end = Date.now() + 60_000
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-search-e2e-'))
    sharer = await startDaemon(join(dir, 'sharer'), dir)
    finder = await startDaemon(join(dir, 'finder'), dir)
    await json(finder, ['swarm', 'connect', tcpAddress(sharer)])
    file = join(dir, 'Holiday_2019_Beach.mp4')
    await writeFile(file, randomBytes(200_000))
    shared = await json(sharer, ['share', file, '--tag', 'summer', '--tag', 'seaside', '--description', 'a week by the sea'])
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('search --local finds the file on the sharer, by a typo and by a prefix', async () => {
    const typo = await json(sharer, ['search', 'holidya', '--local'])
    assert.deepEqual(typo.results.map((r: any) => r.contentId), [shared.fileId])
    assert.deepEqual(typo.results[0].tags, ['summer', 'seaside'])
    assert.equal(typo.asked, 0)
    const human = await cli(['--repo', sharer.repo, 'search', 'sea', 'holi', '--local'], dir)
    assert.equal(human.code, 0, human.stderr)
    const lines = human.stdout.trim().split('\n')
    assert.match(lines[0], /^NAME +SIZE +CATEGORY +PEERS +ID$/)
    assert.match(lines[1], new RegExp(`^Holiday_2019_Beach\\.mp4 +195\\.3 KiB +\\S+ +0 +${shared.fileId}$`))
    assert.equal(lines.at(-1), '1 result(s); this node\'s index only')
  })

  it('search on the other node finds it once the offer arrived, then show and get by the result\'s id', async () => {
    let found: any
    await eventually(async () => {
      found = await json(finder, ['search', 'holiday', 'beach'])
      return found.results.length > 0
    }, 'the offer to reach the finder')
    assert.deepEqual(found.results.map((r: any) => [r.contentId, r.name, r.providers]), [[shared.fileId, 'Holiday_2019_Beach.mp4', 1]])
    assert.equal(found.results[0].author, sharer.info.peerId)
    const human = await cli(['--repo', finder.repo, 'search', 'holiday', '--sort', 'size', '--max-size', '1MB'], dir)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /\n\d+ result\(s\); asked \d+ peer\(s\), \d+ answered\n$/)
    const none = await json(finder, ['search', 'holiday', '--min-size', '1GiB', '--local'])
    assert.equal(none.total, 0)

    const shown = await cli(['--repo', finder.repo, 'show', shared.fileId.slice(0, 24)], dir)
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /^Holiday_2019_Beach\.mp4\n/)
    assert.match(shown.stdout, new RegExp(`^ {4}${sharer.info.peerId} {2}seq \\d+, received `, 'm'))
    const detail = await json(finder, ['show', shared.fileId])
    assert.equal(detail.offer.description, 'a week by the sea')
    assert.ok(detail.providers.some((p: any) => p.peerId === sharer.info.peerId))

    const into = join(dir, 'downloads')
    await mkdir(into)
    const got = await cli(['--repo', finder.repo, 'get', found.results[0].contentId], into)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await sha256File(join(into, 'Holiday_2019_Beach.mp4')), await sha256File(file))
  })

  it('browse prints category counts, a category\'s page, and an author\'s offers', async () => {
    const counts = await cli(['--repo', finder.repo, 'browse'], dir)
    assert.equal(counts.code, 0, counts.stderr)
    assert.match(counts.stdout, /^CATEGORY +OFFERS\n/)
    const categories = (await json(finder, ['browse'])).categories
    const category = Object.keys(categories).find(c => categories[c] > 0)
    assert.ok(category != null)
    const page = await json(finder, ['browse', category, '--sort', 'name'])
    assert.ok(page.results.some((r: any) => r.contentId === shared.fileId))
    const byAuthor = await json(finder, ['browse', '--author', sharer.info.peerId])
    assert.ok(byAuthor.results.some((r: any) => r.contentId === shared.fileId))
    const bad = await cli(['--repo', finder.repo, 'browse', 'movies'], dir)
    assert.equal(bad.code, 2)
  })
})
