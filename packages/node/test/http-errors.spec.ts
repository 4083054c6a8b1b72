import assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { PermissionDeniedError, fsError } from '../src/errors.js'
import { statusFor, toApiError } from '../src/control/http-errors.js'

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

  it('maps collection errors: unsafe output 409, invalid collection 400', () => {
    assert.equal(statusFor({ code: 'ERR_OUTPUT_UNSAFE' }), 409)
    assert.equal(statusFor({ code: 'ERR_INVALID_COLLECTION' }), 400)
  })
})
