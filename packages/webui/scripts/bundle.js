// Bundles the web UI for the daemon to serve: src/main.tsx -> dist/app.js (esbuild,
// Preact's JSX, no CDN), with index.html and app.css copied beside it.
// `tsc -b` type-checks the same sources; this only bundles.
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')

await mkdir(dist, { recursive: true })
await build({
  entryPoints: [join(root, 'src/main.tsx')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning'
})
for (const file of ['index.html', 'app.css']) await copyFile(join(root, 'src', file), join(dist, file))
