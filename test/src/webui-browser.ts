/**
 * Headless Chromium (Debian's /usr/bin/chromium through playwright-core) for the web
 * UI specs: launching it off the internet, pages whose dialogs are recorded, and the
 * one-time login URL `peershare webui` prints.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { cli, type DaemonProcess } from './processes.js'

export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))

/** Chromium, or undefined (said on the console) where it is missing */
export async function launchChromium (): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    console.log(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`)
    return undefined
  }
  // --no-sandbox: the sandbox cannot start as root; the background networking flags keep Chromium off the internet
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
}

/** The dialogs pages showed: the UI's own confirms (Remove …), accepted, and any other, dismissed (a script that should not have run) */
export class Dialogs {
  readonly unexpected: string[] = []
  readonly confirms: string[] = []

  async openPage (context: BrowserContext): Promise<Page> {
    const page = await context.newPage()
    page.on('dialog', dialog => {
      if (dialog.type() === 'confirm' && dialog.message().startsWith('Remove ')) {
        this.confirms.push(dialog.message())
        void dialog.accept()
        return
      }
      this.unexpected.push(dialog.message())
      void dialog.dismiss()
    })
    return page
  }
}

/** The one-time login URL `peershare webui` prints for daemon `d` */
export async function loginUrl (d: DaemonProcess, dir: string): Promise<string> {
  const result = await cli(['--repo', d.repo, 'webui'], dir)
  assert.equal(result.code, 0, result.stderr)
  return result.stdout.trim()
}

/** Runs a system command; true when it exits 0 */
export async function run (command: string, args: string[]): Promise<boolean> {
  return new Promise(resolve => { execFile(command, args, err => { resolve(err == null) }) })
}
