// Bundles the browser peer's page: src/page/main.ts -> dist/peer.js (esbuild, the
// `browser` conditions, so @peershare/node's #platform is its browser one; no Node
// polyfills), with peer.html and peer.css beside it. `tsc -b` type-checks the sources.
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')

await mkdir(dist, { recursive: true })
await build({
  entryPoints: [join(root, 'src/page/main.ts')],
  outfile: join(dist, 'peer.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning'
})
for (const file of ['peer.html', 'peer.css']) await copyFile(join(root, 'src/page', file), join(dist, file))
