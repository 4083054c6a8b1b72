import assert from 'node:assert/strict'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { apiFilePath, defaultRepoPath } from '../src/repo.js'

describe('repo paths', () => {
  it('takes the repo from PEERSHARE_REPO, else ~/.peershare', () => {
    assert.equal(defaultRepoPath({ PEERSHARE_REPO: '/x' }), '/x')
    assert.equal(defaultRepoPath({ PEERSHARE_REPO: '' }), join(homedir(), '.peershare'))
    assert.equal(defaultRepoPath({}), join(homedir(), '.peershare'))
  })

  it('finds the daemon endpoint file in the repo', () => {
    assert.equal(apiFilePath('/r'), join('/r', 'api.json'))
  })
})
