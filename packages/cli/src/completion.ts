/**
 * Shell completion scripts for bash, zsh and fish, generated from the program's own
 * commander tree, so every command and option completes without a list kept by hand.
 * Values: an argument or option with fixed choices completes them; others complete
 * file names (`share <path>`, `-o`, `--repo`) where the shell can.
 */
import type { Command, Option } from 'commander'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = typeof SHELLS[number]

interface OptionSpec {
  short?: string
  long?: string
  description: string
  takesValue: boolean
  choices?: string[]
}

interface CommandSpec {
  name: string
  description: string
  /** its own options and the program's (global) ones */
  options: OptionSpec[]
  commands: CommandSpec[]
  /** choices of its first argument, if fixed */
  argChoices?: string[]
  /** whether it takes an argument at all */
  takesArgs: boolean
}

export function completionScript (shell: Shell, program: Command): string {
  const root = spec(program, [])
  if (shell === 'bash') return bash(root)
  if (shell === 'zsh') return zsh(root)
  return fish(root)
}

function spec (cmd: Command, globals: OptionSpec[]): CommandSpec {
  const help = cmd.createHelp()
  const own = help.visibleOptions(cmd).map(optionSpec)
  const options = [...own, ...globals.filter(g => !own.some(o => o.long === g.long))]
  const nextGlobals = cmd.parent == null ? own.filter(o => o.long !== '--help') : globals
  return {
    name: cmd.name(),
    description: cmd.description(),
    options,
    commands: help.visibleCommands(cmd).map(sub => spec(sub, nextGlobals)),
    argChoices: cmd.registeredArguments[0]?.argChoices,
    takesArgs: cmd.registeredArguments.length > 0
  }
}

function optionSpec (option: Option): OptionSpec {
  return {
    short: option.short,
    long: option.long,
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices
  }
}

/** Every command path: [], ['daemon'], ['swarm'], ['swarm', 'connect'], ... */
function walk (cmd: CommandSpec, path: string[] = []): Array<{ path: string[], cmd: CommandSpec }> {
  return [{ path, cmd }, ...cmd.commands.flatMap(sub => walk(sub, [...path, sub.name]))]
}

const flags = (o: OptionSpec): string[] => [o.short, o.long].filter((f): f is string => f != null)

/** A description without its parentheses and up to its first `;`: short enough for a completion menu */
function brief (text: string): string {
  return text.replace(/\s*\([^()]*\)/g, '').split(';')[0].trim()
}

function bash (root: CommandSpec): string {
  const all = walk(root)
  const key = (path: string[]): string => `"${path.join(' ')}"`
  const cases = (body: (cmd: CommandSpec) => string): string =>
    all.map(({ path, cmd }) => `    ${key(path)}) echo "${body(cmd)}" ;;`).join('\n')
  const valueChoices = all.flatMap(({ path, cmd }) => cmd.options.filter(o => o.choices != null).map(o =>
    `    ${key(path)}:${o.long}) COMPREPLY=($(compgen -W "${o.choices!.join(' ')}" -- "$cur")) ; return ;;`))
  return `# peershare completion for bash. Load it in this shell: source <(peershare completion bash)
# or for every new shell: peershare completion bash > ~/.local/share/bash-completion/completions/peershare

# words a command path completes to: its subcommands and options
_peershare_words() {
  case "$1" in
${cases(cmd => [...cmd.commands.map(c => c.name), ...cmd.options.flatMap(flags)].join(' '))}
  esac
}

# options of a command path that take a value
_peershare_value_options() {
  case "$1" in
${cases(cmd => cmd.options.filter(o => o.takesValue).flatMap(flags).join(' '))}
  esac
}

# choices of a command path's argument, "-" for none, empty for file names
_peershare_arg_choices() {
  case "$1" in
${cases(cmd => cmd.argChoices?.join(' ') ?? (cmd.takesArgs || cmd.commands.length > 0 ? '' : '-'))}
  esac
}

_peershare() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ "$word" == -* ]]; then
      [[ " $(_peershare_value_options "$path") " == *" $word "* ]] && ((i++))
    elif [[ " $(_peershare_words "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word"
    fi
  done
  if [[ "$prev" == -* && " $(_peershare_value_options "$path") " == *" $prev "* ]]; then
    case "$path:$prev" in
${valueChoices.join('\n')}
    esac
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  local words choices
  words="$(_peershare_words "$path")"
  choices="$(_peershare_arg_choices "$path")"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [[ -n "$choices" && "$choices" != "-" ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
  elif [[ "$words" == [a-z]* ]]; then
    COMPREPLY=($(compgen -W "\${words%% -*}" -- "$cur"))
  elif [[ -z "$choices" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

complete -F _peershare peershare
`
}

/** `text` inside single quotes for zsh and bash */
const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`

function zsh (root: CommandSpec): string {
  const fn = (path: string[]): string => ['_peershare', ...path].join('_').replaceAll('-', '_')
  const optionSpec = (o: OptionSpec): string => {
    const desc = `[${brief(o.description).replace(/[[\]]/g, '')}]`
    const value = o.takesValue ? `:value:${o.choices == null ? '_files' : `(${o.choices.join(' ')})`}` : ''
    const names = flags(o)
    return names.length === 1
      ? quote(`${names[0]}${desc}${value}`)
      : `${quote(`(${names.join(' ')})`)}{${names.join(',')}}${quote(`${desc}${value}`)}`
  }
  const functions = walk(root).map(({ path, cmd }) => {
    const options = cmd.options.map(optionSpec)
    if (cmd.commands.length === 0) {
      const arg = cmd.argChoices != null ? quote(`1:argument:(${cmd.argChoices.join(' ')})`) : cmd.takesArgs ? quote('*:argument:_files') : undefined
      return `${fn(path)}() {\n  _arguments -s \\\n    ${[...options, ...(arg == null ? [] : [arg])].join(' \\\n    ')}\n}`
    }
    const subs = cmd.commands.map(c => `    ${quote(`${c.name}:${brief(c.description).replaceAll(':', '\\:')}`)}`).join('\n')
    return `${fn(path)}() {
  local curcontext="$curcontext" state line
  local -a commands
  _arguments -C -s \\
    ${[...options, quote('1: :->command'), quote('*:: :->argument')].join(' \\\n    ')}
  case $state in
    command)
      commands=(
${subs}
      )
      _describe command commands ;;
    argument)
      case $line[1] in
${cmd.commands.map(c => `        ${c.name}) ${fn([...path, c.name])} ;;`).join('\n')}
      esac ;;
  esac
}`
  })
  return `#compdef peershare
# peershare completion for zsh. Load it in this shell: source <(peershare completion zsh)
# or for every new shell: peershare completion zsh > "\${fpath[1]}/_peershare"

${functions.join('\n\n')}

if [[ "$funcstack[1]" == _peershare ]]; then
  _peershare "$@"
else
  compdef _peershare peershare
fi
`
}

function fish (root: CommandSpec): string {
  const q = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
  const lines: string[] = ['complete -c peershare -f']
  for (const { path, cmd } of walk(root)) {
    // the condition that the command line is at this command path
    const here = path.length === 0
      ? '__fish_use_subcommand'
      : [`__fish_seen_subcommand_from ${path[path.length - 1]}`, ...cmd.commands.map(c => `not __fish_seen_subcommand_from ${c.name}`)].join('; and ')
    for (const sub of cmd.commands) lines.push(`complete -c peershare -n ${q(here)} -a ${sub.name} -d ${q(brief(sub.description))}`)
    if (cmd.argChoices != null) lines.push(`complete -c peershare -n ${q(here)} -a ${q(cmd.argChoices.join(' '))}`)
    else if (cmd.takesArgs) lines.push(`complete -c peershare -n ${q(here)} -F`)
    for (const o of cmd.options) {
      const names = [o.short == null ? '' : `-s ${o.short.slice(1)}`, o.long == null ? '' : `-l ${o.long.slice(2)}`].filter(s => s !== '').join(' ')
      const value = !o.takesValue ? '' : o.choices != null ? ` -x -a ${q(o.choices.join(' '))}` : ' -r -F'
      lines.push(`complete -c peershare -n ${q(here)} ${names}${value} -d ${q(brief(o.description))}`)
    }
  }
  return `# peershare completion for fish. Load it in this shell: peershare completion fish | source
# or for every new shell: peershare completion fish > ~/.config/fish/completions/peershare.fish
${lines.join('\n')}
`
}
