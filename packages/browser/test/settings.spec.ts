/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { DEFAULTS, resolveSettings } from '../src/settings.js'

describe('browser peer settings', () => {
  it('resolve to exactly DEFAULTS when none are given', () => {
    assert.deepEqual(resolveSettings(), DEFAULTS)
    assert.deepEqual(resolveSettings({}), DEFAULTS)
  })

  it('take what is given and refuse bad values with BadSettingError', () => {
    assert.equal(resolveSettings({ maxSources: 2 }).maxSources, 2)
    assert.equal(resolveSettings({ compression: false }).compression, false)
    for (const bad of [{ maxSources: 0 }, { dialTimeout: -1 }, { requestTimeout: 1.5 }, { compression: 1 }, { maxStrikes: Number.NaN }, { nonsense: 1 }]) {
      assert.throws(() => resolveSettings(bad as any), { name: 'BadSettingError' }, JSON.stringify(bad))
    }
  })
})
