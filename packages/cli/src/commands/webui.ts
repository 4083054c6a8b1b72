/** `peershare webui`: a one-time login URL for the web UI, minted by the daemon; `--open` opens it */
import { spawn } from 'node:child_process'
import type { CommandContext } from '../context.js'

export async function webui (options: { open?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  const { url } = await client.webuiLogin()
  print(url)
  if (options.open === true) openInBrowser(url, print)
}

/** Hands the URL to the desktop's opener; a missing one is reported, the URL is printed anyway */
function openInBrowser (url: string, print: CommandContext['print']): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' })
  child.on('error', () => { print(`Could not run ${opener}: open the URL above in a browser`) })
  child.unref()
}
