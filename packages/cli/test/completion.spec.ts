import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { OFFER_CATEGORIES } from '@peershare/client'
import { CATEGORIES } from '@peershare/protocol'
import type { Command } from 'commander'
import { SHELLS, completionScript } from '../src/completion.js'
import { type ProgramDeps, createProgram, run } from '../src/program.js'
import { capture } from './fakes.js'

function deps (print = capture().print): ProgramDeps {
  const unused = async (): Promise<never> => { throw new Error('not used') }
  return { print, printError: print, connect: unused, findRunning: unused, startDaemon: unused, stopSignal: unused, cwd: '/', env: {} }
}

/** Every command name of the program, nested ones too */
function commandNames (cmd: Command): string[] {
  return cmd.commands.flatMap(sub => [sub.name(), ...commandNames(sub)])
}

/** What bash completes for `line` (the word under the cursor last), with the script loaded */
function bashComplete (script: string, words: string[]): string[] {
  const array = words.map(w => `'${w}'`).join(' ')
  const result = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _peershare; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
  return result.stdout.split('\n').filter(line => line !== '')
}

describe('completion', () => {
  const program = createProgram(deps())
  const names = commandNames(program)

  it('knows the program\'s commands, nested ones included', () => {
    for (const name of ['daemon', 'id', 'get', 'swarm', 'connect', 'completion']) assert.ok(names.includes(name), name)
  })

  for (const shell of SHELLS) {
    it(`the ${shell} script mentions every command and the global options`, () => {
      const script = completionScript(shell, program)
      for (const name of names) assert.match(script, new RegExp(`\\b${name}\\b`), `${shell}: ${name}`)
      for (const option of ['repo', 'json']) assert.ok(script.includes(option), `${shell}: --${option}`)
    })
  }

  it('the bash script is valid bash (bash -n)', () => {
    const result = spawnSync('bash', ['-n'], { input: completionScript('bash', program), encoding: 'utf8' })
    assert.equal(result.status, 0, result.stderr)
  })

  it('bash completes commands, subcommands, options and argument choices, skipping option values', () => {
    const script = completionScript('bash', program)
    assert.deepEqual(bashComplete(script, ['peershare', 'sw']), ['swarm'])
    assert.ok(bashComplete(script, ['peershare', 'swarm', '']).includes('connect'))
    assert.deepEqual(bashComplete(script, ['peershare', 'get', '--p']), ['--peer', '--priority'])
    assert.deepEqual(bashComplete(script, ['peershare', '--repo', '/x', 'i']), ['id', 'inbox'])
    assert.deepEqual(bashComplete(script, ['peershare', 'completion', '']), ['bash', 'zsh', 'fish'])
    assert.ok(bashComplete(script, ['peershare', 'id', '--']).includes('--json'), 'global options after the command')
  })

  it('bash completes share\'s new options and the categories; ls --all', () => {
    const script = completionScript('bash', program)
    assert.deepEqual(bashComplete(script, ['peershare', 'share', '--c']), ['--category', '--copy'])
    assert.deepEqual(bashComplete(script, ['peershare', 'share', '--th']), ['--thumbnail'])
    assert.deepEqual(bashComplete(script, ['peershare', 'share', '--category', '']), [...CATEGORIES])
    assert.deepEqual(bashComplete(script, ['peershare', 'share', '--category', 'vi']), ['video'])
    assert.ok(bashComplete(script, ['peershare', 'ls', '--']).includes('--all'))
    for (const shell of SHELLS) assert.ok(completionScript(shell, program).includes('video audio image document archive software other'), shell)
  })

  it('the client\'s category list (the CLI loads no protocol to start) is the protocol\'s', () => {
    assert.deepEqual([...OFFER_CATEGORIES], [...CATEGORIES])
  })

  it('`peershare completion <shell>` prints the script; another shell is a usage error (exit 2)', async () => {
    const out = capture()
    assert.equal(await run(['completion', 'bash'], deps(out.print)), 0)
    assert.match(out.lines.join('\n'), /complete -F _peershare peershare/)
    const err = capture()
    assert.equal(await run(['completion', 'tcsh'], deps(err.print)), 2)
    assert.equal(err.lines.length, 1)
  })
})
