import assert from 'node:assert/strict'
import {
  ChunkVerificationError,
  InvalidFileIdError,
  InvalidFileNameError,
  InvalidManifestError,
  InvalidMessageError,
  InvalidTicketError,
  ProtocolError
} from '../src/index.js'

describe('errors', () => {
  const classes = [
    [ProtocolError, 'ProtocolError', 'ERR_PROTOCOL'],
    [InvalidMessageError, 'InvalidMessageError', 'ERR_INVALID_MESSAGE'],
    [InvalidManifestError, 'InvalidManifestError', 'ERR_INVALID_MANIFEST'],
    [ChunkVerificationError, 'ChunkVerificationError', 'ERR_CHUNK_VERIFICATION'],
    [InvalidFileIdError, 'InvalidFileIdError', 'ERR_INVALID_FILE_ID'],
    [InvalidFileNameError, 'InvalidFileNameError', 'ERR_INVALID_FILE_NAME'],
    [InvalidTicketError, 'InvalidTicketError', 'ERR_INVALID_TICKET']
  ] as const

  for (const [Class, name, code] of classes) {
    it(`${name} has a static and instance name and a stable code`, () => {
      const err = new Class('boom')
      assert.equal(Class.name, name)
      assert.equal(err.name, name)
      assert.equal(err.code, code)
      assert.ok(err instanceof ProtocolError)
      assert.ok(err instanceof Error)
      assert.equal(err.message, 'boom')
    })
  }

  it('codes are unique', () => {
    assert.equal(new Set(classes.map(([, , code]) => code)).size, classes.length)
  })
})
