/**
 * `<repo>/config.json`: the same settings as NodeInit, as JSON, for what a user
 * wants every time (bootstrap peers, listen addresses, limits). Command-line values
 * override it; bootstrap lists from the file, the environment and the command line
 * are joined. `limits` changed at run time are saved into it (`saveLimits`), keeping
 * everything else the user wrote.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseRate, parseSize } from '@peershare/client'
import { bootstrapFromEnv, DEFAULTS, definedEntries, type NodeInit } from './config.js'
import { RepoError } from './errors.js'
import { InOrder } from './in-order.js'
import type { BandwidthLimits } from './limits/bandwidth.js'
import { writeFileAtomic } from './repo.js'

export const CONFIG_FILE = 'config.json'

export async function readConfigFile (repo: string): Promise<NodeInit> {
  const path = join(repo, CONFIG_FILE)
  const init = await readJsonObject(path) as NodeInit
  for (const name of ['bootstrap', 'listen'] as const) {
    const list = init[name]
    if (list != null && (!Array.isArray(list) || list.some(b => typeof b !== 'string'))) {
      throw new RepoError(`${path}: "${name}" must be an array of multiaddr strings`)
    }
  }
  for (const [name, value] of Object.entries(init)) {
    // a section written as something else was dropped without a word
    if (isSection(DEFAULTS[name as keyof typeof DEFAULTS]) && !isSection(value)) {
      throw new RepoError(`${path}: "${name}" must be an object of settings, such as {"${name}": {...}}`)
    }
  }
  for (const [name, value] of Object.entries(init.limits ?? {})) checkUnits(path, `limits.${name}`, value, parseRate)
  checkUnits(path, 'replication.quota', init.replication?.quota, parseSize)
  checkUnits(path, 'relay.dataLimit', init.relay?.dataLimit, parseSize)
  return init
}

/** A rate or size the file gives as text: one that does not parse is said with the file's name, as other settings are */
function checkUnits (path: string, name: string, value: unknown, parse: (text: string) => number): void {
  if (typeof value !== 'string') return
  try {
    parse(value)
  } catch (err: any) {
    throw new RepoError(`${path}: "${name}": ${err.message}`)
  }
}

/**
 * Layers file settings under the caller's: a section (an object of settings, such as
 * `replication` or `exchange`) setting by setting, so a command-line flag replaces its one
 * setting and keeps the rest the file gives; anything else whole. Bootstrap lists from
 * the file, the environment and the caller are joined.
 */
export function mergeInit (file: NodeInit, init: NodeInit, env: NodeJS.ProcessEnv = process.env): NodeInit {
  const merged: Record<string, unknown> = { ...file, ...definedEntries(init) }
  for (const name of Object.keys(merged)) {
    const fromFile: unknown = file[name as keyof NodeInit]
    const given: unknown = init[name as keyof NodeInit]
    if (isSection(fromFile) || isSection(given)) merged[name] = { ...(isSection(fromFile) ? fromFile : {}), ...definedEntries(isSection(given) ? given : {}) }
  }
  return { ...merged, bootstrap: [...(file.bootstrap ?? []), ...bootstrapFromEnv(env), ...(init.bootstrap ?? [])] }
}

function isSection (value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object' && !Array.isArray(value)
}

/** saves of config.json by this process, one at a time */
const configSaves = new InOrder()

/**
 * Saves bandwidth limits into `<repo>/config.json`: merged into the file's `limits`
 * (bytes per second), every other setting kept as written; written atomically, mode
 * 0600. A file that does not parse is left alone (RepoError).
 */
export async function saveLimits (repo: string, limits: Partial<BandwidthLimits>): Promise<void> {
  // each save reads what the one before wrote: two at once (a form setting both limits) both stay
  await configSaves.run(async () => {
    const path = join(repo, CONFIG_FILE)
    const current = await readJsonObject(path)
    const saved = current.limits != null && typeof current.limits === 'object' && !Array.isArray(current.limits) ? current.limits : {}
    const next = { ...current, limits: { ...saved, ...definedEntries(limits) } }
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
  })
}

/** The JSON object in a file; {} when there is no file */
async function readJsonObject (path: string): Promise<Record<string, any>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return {}
    throw new RepoError(`Cannot read ${path}: ${err.message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err: any) {
    throw new RepoError(`${path} is not valid JSON: ${err.message}`)
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RepoError(`${path} must hold a JSON object`)
  return parsed as Record<string, any>
}
