/** `peershare completion bash|zsh|fish`: a completion script for that shell, on stdout */
import type { Command } from 'commander'
import { type Shell, completionScript } from '../completion.js'
import type { Print } from '../context.js'

export interface CompletionContext {
  print: Print
  /** the whole program, whose commands and options the script completes */
  program: Command
}

export async function completion (options: { shell: Shell }, { print, program }: CompletionContext): Promise<void> {
  print(completionScript(options.shell, program).trimEnd())
}
