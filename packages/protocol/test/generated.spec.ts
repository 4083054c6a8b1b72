import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// compiled to packages/protocol/dist/test/: the repository root is four levels up
const root = fileURLToPath(new URL('../../../../', import.meta.url))

describe('generated protobuf codecs', () => {
  it('match what protons generates from the committed .proto files', function () {
    this.timeout(120_000)
    const result = spawnSync(process.execPath, ['scripts/check-generated.js'], { cwd: root, encoding: 'utf8' })
    assert.equal(result.error, undefined)
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`)
    assert.match(result.stdout, /up to date/)
  })
})
