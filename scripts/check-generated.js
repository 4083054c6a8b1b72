#!/usr/bin/env node
/**
 * Checks that every committed protons codec (packages/<pkg>/src/pb/<name>.ts) is exactly
 * what protons generates from the .proto next to it. The .proto files of each package are
 * copied into a temporary directory and generated there, so the working tree is never
 * touched and no git is needed. Exits 1 and names the stale files when any differ; the fix
 * is `npm run generate`.
 *
 * Usage: node scripts/check-generated.js
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync, globSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** protons' `generate`, from the package's own node_modules if it has one, else the root's */
async function loadProtons (pkgDir) {
  const local = path.join(pkgDir, 'node_modules', 'protons', 'dist', 'src', 'index.js')
  const mod = existsSync(local) ? await import(pathToFileURL(local).href) : await import('protons')
  return mod.generate
}

async function checkDir (pbDir) {
  const protos = globSync('*.proto', { cwd: pbDir }).sort()
  const generate = await loadProtons(path.resolve(pbDir, '..', '..'))
  const tmp = await mkdtemp(path.join(tmpdir(), 'peershare-protons-'))
  const stale = []
  try {
    for (const proto of protos) await copyFile(path.join(pbDir, proto), path.join(tmp, proto))
    for (const proto of protos) await generate(path.join(tmp, proto), {})
    for (const proto of protos) {
      const ts = proto.replace(/\.proto$/, '.ts')
      const committedPath = path.join(pbDir, ts)
      const relative = path.relative(root, committedPath)
      if (!existsSync(committedPath)) {
        stale.push(`${relative} is missing`)
        continue
      }
      const [expected, actual] = await Promise.all([readFile(path.join(tmp, ts)), readFile(committedPath)])
      if (!expected.equals(actual)) stale.push(`${relative} differs from what protons generates from ${proto}${firstDifference(expected.toString(), actual.toString())}`)
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return { count: protos.length, stale }
}

function firstDifference (expected, actual) {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `\n  line ${i + 1}\n  generated: ${JSON.stringify(a[i] ?? '<end of file>')}\n  committed: ${JSON.stringify(b[i] ?? '<end of file>')}`
  }
  return ''
}

const dirs = [...new Set(globSync('packages/*/src/pb/*.proto', { cwd: root }).map(p => path.join(root, path.dirname(p))))].sort()
let checked = 0
const stale = []
for (const dir of dirs) {
  const result = await checkDir(dir)
  checked += result.count
  stale.push(...result.stale)
}

if (stale.length > 0) {
  console.error(`Generated protobuf codecs are out of date (run \`npm run generate\`):\n${stale.map(s => `- ${s}`).join('\n')}`)
  process.exit(1)
}
console.log(`Generated protobuf codecs are up to date (${checked} .proto files in ${dirs.length} packages)`)
