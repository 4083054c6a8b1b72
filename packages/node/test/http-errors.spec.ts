import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { PermissionDeniedError, fsError } from '../src/errors.js'
import { statusFor, toApiError } from '../src/control/http-errors.js'
import { RepoDatastore } from '../src/compose/repo-datastore.js'
import { tempDir, withSmallDisk } from './fixtures.js'

describe('control API error statuses', () => {
  it('maps a real EACCES from the file system to ERR_PERMISSION_DENIED and 403', async function () {
    // a write-only /proc file cannot be read even by root (tests run as root, where mode 000 does not stop a read)
    const err = await open('/proc/sys/vm/drop_caches', 'r').then(async h => { await h.close() }, (e: any) => e)
    if (err?.code !== 'EACCES') return this.skip()
    const typed = fsError(err, '/proc/sys/vm/drop_caches')
    assert.ok(typed instanceof PermissionDeniedError)
    assert.equal(statusFor(typed), 403)
    assert.equal(toApiError(typed).code, 'ERR_PERMISSION_DENIED')
  })

  it('the repo\'s datastore says a real full disk under LevelDB (only its message says so) as DiskFullError: ERR_DISK_FULL and 507 (root only: a small tmpfs)', async function () {
    const dir = await tempDir()
    let failure: any
    try {
      const mounted = await withSmallDisk(dir.path, async (mnt) => {
        const ds = new RepoDatastore(join(mnt, 'datastore'))
        await ds.open()
        try {
          for (let i = 0; i < 10_000 && failure == null; i++) {
            await ds.put(new Key(`/filler/${i}`), randomBytes(64 * 1024)).catch((err: unknown) => { failure = err })
          }
        } finally {
          await ds.close().catch(() => {})
        }
      })
      if (!mounted) return this.skip()
    } finally {
      await dir.cleanup()
    }
    assert.ok(failure != null, 'the disk filled')
    assert.equal(failure.name, 'DiskFullError', failure.message)
    assert.equal(toApiError(failure).code, 'ERR_DISK_FULL', failure.message)
    assert.equal(statusFor(failure), 507)
  })

  it('maps collection errors: unsafe output 409, invalid collection 400', () => {
    assert.equal(statusFor({ code: 'ERR_OUTPUT_UNSAFE' }), 409)
    assert.equal(statusFor({ code: 'ERR_INVALID_COLLECTION' }), 400)
  })
})
