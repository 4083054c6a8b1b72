#!/usr/bin/env node
/**
 * Runs every compiled spec in one mocha process and prints `N passed, N failed`
 * (`, N skipped` when any were skipped) as the very last line; exits non-zero when any
 * test failed. Run after `npm run build` (what `npm test` does).
 *
 *   node scripts/run-tests.js                   all specs except soak tests
 *   PEERSHARE_SOAK=1 node scripts/run-tests.js  soak tests too (titles containing @soak)
 *   npm test -- --grep manifest                 extra arguments go to mocha
 *   npm test -- packages/protocol/dist/test/names.spec.js
 *                                               spec files given replace the default set
 *
 * A --grep, --fgrep or --invert given is combined with the soak exclusion into one
 * pattern, since mocha takes only one.
 */
import { spawn } from 'node:child_process'
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { summaryLine } = require('./summary-reporter.cjs')

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SPECS = ['packages/*/dist/test/**/*.spec.js', 'test/dist/src/**/*.spec.js']
const SOAK_TAG = '@soak'
const DEFAULT_TIMEOUT_MS = 60_000
// mocha options that take a value, so their value is not mistaken for a spec file
const VALUE_OPTIONS = new Set([
  '--config', '--package', '--extension', '--file', '--ignore', '--exclude', '--spec', '--require', '-r',
  '--ui', '-u', '--reporter', '-R', '--reporter-option', '--reporter-options', '-O', '--slow', '-s',
  '--timeout', '-t', '--retries', '--jobs', '-j', '--node-option', '-n', '--grep', '-g', '--fgrep', '-f'
])

/** Splits user arguments into mocha options, spec files, and the filter they asked for */
function parseArgs (args) {
  const options = []
  const specs = []
  let grep
  let fgrep
  let invert = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = () => inline ?? args[++i]
    if (flag === '--grep' || flag === '-g') grep = value()
    else if (flag === '--fgrep' || flag === '-f') fgrep = value()
    else if (flag === '--invert' || flag === '-i') invert = true
    else if (VALUE_OPTIONS.has(flag)) options.push(arg, ...(inline === undefined && i + 1 < args.length ? [args[++i]] : []))
    else if (!arg.startsWith('-') && /\.[cm]?js$|[*?{]/.test(arg)) specs.push(arg)
    else options.push(arg)
  }
  return { options, specs, grep, fgrep, invert }
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** The mocha arguments that select tests: the user's filter, minus soak tests unless asked for */
function filterArgs ({ grep, fgrep, invert }, includeSoak) {
  if (grep != null && fgrep != null) throw new Error('--grep and --fgrep are mutually exclusive')
  const literal = grep ?? (fgrep == null ? undefined : escapeRegExp(fgrep))
  if (includeSoak) {
    if (literal == null) return invert ? ['--invert'] : []
    return [fgrep != null ? '--fgrep' : '--grep', grep ?? fgrep, ...(invert ? ['--invert'] : [])]
  }
  if (literal == null) return ['--grep', SOAK_TAG, '--invert']
  // mocha reads `/source/flags` as a regular expression with flags
  const [, source = literal, flags = ''] = literal.match(/^\/(.*)\/([gimsuy]*)$/s) ?? []
  const noSoak = `(?!.*${SOAK_TAG})`
  const combined = invert ? `^${noSoak}(?!.*(?:${source}))` : `^${noSoak}(?=.*(?:${source}))`
  return ['--grep', flags === '' ? combined : `/${combined}/${flags}`]
}

function specFiles (patterns) {
  return [...new Set(patterns.flatMap(pattern => globSync(pattern, { cwd: root })))].sort()
}

async function main () {
  const parsed = parseArgs(process.argv.slice(2))
  const files = parsed.specs.length > 0 ? parsed.specs : specFiles(SPECS)
  if (files.length === 0) {
    console.error(`No compiled specs match ${SPECS.join(' or ')}: run \`npm run build\` first`)
    console.log(summaryLine({ passes: 0, failures: 1, pending: 0 }))
    return 1
  }

  const summaryDir = mkdtempSync(path.join(tmpdir(), 'peershare-tests-'))
  const summaryFile = path.join(summaryDir, 'summary.json')
  const args = [
    '--enable-source-maps',
    require.resolve('mocha/bin/mocha.js'),
    '--timeout', String(DEFAULT_TIMEOUT_MS),
    '--exit',
    ...parsed.options,
    ...filterArgs(parsed, process.env.PEERSHARE_SOAK === '1'),
    // last, so the summary line is always printed
    '--reporter', path.join(root, 'scripts', 'summary-reporter.cjs'),
    ...files
  ]
  try {
    const { code, signal } = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, PEERSHARE_TEST_SUMMARY_FILE: summaryFile }
      })
      child.once('error', reject)
      child.once('exit', (code, signal) => resolve({ code, signal }))
    })
    let counts
    try {
      counts = JSON.parse(readFileSync(summaryFile, 'utf8'))
    } catch {
      // mocha died before the run ended (a spec failed to load, or it was killed): count the run as a failure
      console.error(`mocha exited (${signal ?? `code ${code}`}) before reporting results`)
      console.log(summaryLine({ passes: 0, failures: 1, pending: 0 }))
      return 1
    }
    console.log(summaryLine(counts))
    return counts.failures > 0 || code !== 0 ? 1 : 0
  } finally {
    rmSync(summaryDir, { recursive: true, force: true })
  }
}

process.exitCode = await main()
