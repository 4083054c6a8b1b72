import assert from 'node:assert/strict'
import type { Command } from 'commander'
import { type ProgramDeps, createProgram, run } from '../src/program.js'
import { capture } from './fakes.js'

function deps (print: (line: string) => void): ProgramDeps {
  const unused = async (): Promise<never> => { throw new Error('not used') }
  return { print, printError: print, connect: unused, findRunning: unused, startDaemon: unused, stopSignal: unused, cwd: '/', env: {} }
}

/** Every command path of the program: ['daemon'], ['swarm'], ['swarm', 'connect'], ... */
function commandPaths (cmd: Command, path: string[] = []): string[][] {
  return cmd.commands.flatMap(sub => [[...path, sub.name()], ...commandPaths(sub, [...path, sub.name()])])
}

describe('help', () => {
  const paths = commandPaths(createProgram(deps(() => {}))).filter(path => path.at(-1) !== 'help')

  it('covers every command, nested ones too', () => {
    assert.ok(paths.length >= 15, `${paths.length} commands`)
    assert.ok(paths.some(path => path.join(' ') === 'swarm connect'))
  })

  it('every command\'s --help lists the global options --repo and --json', async () => {
    for (const path of paths) {
      const out = capture()
      assert.equal(await run([...path, '--help'], deps(out.print)), 0, path.join(' '))
      const help = out.lines.join('\n')
      assert.match(help, new RegExp(`^Usage: peershare ${path.join(' ')}`), path.join(' '))
      assert.match(help, /^Global Options:$/m, path.join(' '))
      assert.match(help, /^ {2}--repo <path>/m, path.join(' '))
      assert.match(help, /^ {2}--json/m, path.join(' '))
    }
  })
})
