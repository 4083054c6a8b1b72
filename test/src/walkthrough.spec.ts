/**
 * The README's walk-through, run as written: its first `sh` block after the heading
 * "A walk-through" is parsed, and every `peershare` command in it runs as a real
 * process in order (daemons in the background), with default DHT settings. Only
 * placeholders change: `/tmp/` becomes a temporary directory, each fixed port a free
 * one, and a value shown as `xyz...` becomes what the program printed on the line with
 * the same label (`peer id  12D3KooW...A`, `file id  bahijzqab...`). The block's
 * output comments (`#` and three spaces) are the outcomes asserted: every such line,
 * placeholders filled in, must be among the command's output lines. Each `get -o` file
 * must equal the shared one byte for byte.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cli, closedPort, killChildrenAndRemove, sha256File, start, until } from './processes.js'

const README = fileURLToPath(new URL('../../../README.md', import.meta.url))
/** The file the walk-through shares: 3 MiB and a bit, shown as "3.0 MiB" */
const SHARED_SIZE = 3 * 1024 * 1024 + 4321

interface Step {
  /** arguments after `peershare` */
  args: string[]
  /** output lines the README shows for it */
  expected: string[]
}

/** The walk-through's commands with the output shown under each */
function parseWalkthrough (readme: string): Step[] {
  const section = readme.slice(readme.indexOf('## A walk-through'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(block != null, 'the README has a walk-through sh block')
  const steps: Step[] = []
  const lines = block.replace(/\\\n\s*/g, '').split('\n')
  for (const line of lines) {
    const output = /^#\s{3}(.*)$/.exec(line)
    if (output != null) {
      steps.at(-1)?.expected.push(output[1].replace(/\s+<-.*$/, '').trim())
    } else if (line.startsWith('peershare ')) {
      steps.push({ args: shellWords(line.replace(/\s+#.*$/, '')).slice(1), expected: [] })
    }
  }
  return steps
}

/** Splits a command line into words: spaces separate, double quotes group */
function shellWords (line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map(m => m[1] ?? m[2])
}

/** Output lines compared with collapsed spaces */
const squash = (line: string): string => line.trim().replace(/\s+/g, ' ')

describe('the README walk-through, run as written (real processes, default DHT settings)', function () {
  this.timeout(120_000)
  let dir: string
  const values = new Map<string, string>()
  /** README port -> free port */
  const ports = new Map<string, number>()

  /** The README's text with every placeholder known so far filled in */
  const fill = (text: string): string => {
    let out = text.replaceAll('/tmp/', `${dir}/`).replace(/\/(tcp|udp)\/(\d+)/g, (all, proto: string, port: string) => {
      const free = ports.get(port)
      return free == null ? all : `/${proto}/${free}`
    })
    // longest first, so no placeholder is a prefix of a longer one that is filled wrongly
    for (const [from, to] of [...values].sort((x, y) => y[0].length - x[0].length)) out = out.replaceAll(from, to)
    return out
  }

  /** Learns placeholders from the output: a shown `label  value...` against the printed `label  value` */
  const learn = (expected: string[], actual: string[]): void => {
    for (const shown of expected) {
      const [label, value] = fill(shown).split(/\s{2,}/)
      if (value == null || !value.includes('...') || value.includes('/')) continue
      const printed = actual.find(line => line.split(/\s{2,}/)[0] === label)
      assert.ok(printed != null, `a "${label}" line in: ${actual.join(' | ')}`)
      values.set(value, printed.split(/\s{2,}/)[1])
    }
  }

  /** Every shown output line, filled in, is among the printed ones */
  const check = (step: Step, actual: string[]): void => {
    const printed = actual.map(squash)
    for (const shown of step.expected) {
      const line = squash(fill(shown))
      assert.ok(printed.includes(line), `peershare ${step.args.join(' ')}: expected "${line}" in:\n${actual.join('\n')}`)
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peershare-walkthrough-'))
    await writeFile(join(dir, 'report.pdf'), randomBytes(SHARED_SIZE))
  })

  after(async () => {
    await killChildrenAndRemove(dir)
  })

  it('shares on one daemon, finds and fetches on the others by file id and by SHA-256, and finds its offer by words', async () => {
    const steps = parseWalkthrough(await readFile(README, 'utf8'))
    assert.ok(steps.some(s => s.args.includes('daemon')) && steps.some(s => s.args.includes('get')), 'daemons and a get')
    // fixed ports become free ones, the same port the same free one throughout
    for (const step of steps) {
      for (const [, port] of step.args.join(' ').matchAll(/\/(?:tcp|udp)\/(\d+)/g)) {
        if (port !== '0' && !ports.has(port)) ports.set(port, await closedPort())
      }
    }
    const daemons = []
    const original = await sha256File(join(dir, 'report.pdf'))
    for (const step of steps) {
      const args = step.args.map(fill)
      if (args.includes('daemon')) {
        const proc = start(args, dir)
        daemons.push(proc)
        let exited = false
        void proc.exited.then(() => { exited = true })
        await until(() => proc.stdout().includes('Running.') || exited, `peershare ${args.join(' ')} to start`)
        assert.ok(!exited, `the daemon started: ${proc.stderr()}`)
        const lines = proc.stdout().split('\n')
        learn(step.expected, lines)
        check(step, lines)
        continue
      }
      const result = await cli(args, dir)
      assert.equal(result.code, 0, `peershare ${args.join(' ')}: ${result.stderr}`)
      const lines = result.stdout.split('\n')
      learn(step.expected, lines)
      check(step, lines)
      const output = args.indexOf('-o')
      if (args.includes('get') && output > 0) assert.equal(await sha256File(args[output + 1]), original, `${args[output + 1]} equals report.pdf`)
    }
    for (const proc of daemons) proc.child.kill('SIGTERM')
    for (const proc of daemons) assert.equal((await proc.exited).code, 0)
  })
})
