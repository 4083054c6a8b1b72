import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// compiled to dist/test: the package root is two levels up
const root = new URL('../../', import.meta.url)
const src = new URL('dist/src/', root)

/** Every module specifier the compiled sources import */
function imports (): Array<{ file: string, specifier: string }> {
  return readdirSync(fileURLToPath(src)).filter(f => f.endsWith('.js')).flatMap(file => {
    const text = readFileSync(new URL(file, src), 'utf8')
    return [...text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)]
      .map(m => ({ file, specifier: m[1] ?? m[2] }))
  })
}

describe('@peershare/client package', () => {
  it('depends on no package: no libp2p, no @peershare/node', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
    assert.deepEqual(pkg.dependencies ?? {}, {})
  })

  it('imports only its own modules and Node built-ins, and built-ins only in the Node-only modules', () => {
    const found = imports()
    assert.ok(found.some(i => i.specifier === './control-client.js'), 'the scan sees imports')
    for (const { file, specifier } of found) {
      assert.ok(specifier.startsWith('./') || specifier.startsWith('node:'), `${file} imports ${specifier}`)
      if (specifier.startsWith('node:')) assert.ok(['repo.js', 'node-http.js'].includes(file), `${file} imports ${specifier}`)
    }
  })
})
