import assert from 'node:assert/strict'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  bytesToHex,
  decodeFileId,
  encodeManifest,
  fileIdFromManifestBytes,
  fileIdOf,
  formatFileId,
  hexToBytes,
  MANIFEST_CODEC,
  parseFileId,
  parseFileRef,
  RAW_CODEC,
  sha256Cid,
  verifyManifest
} from '../src/index.js'
import { bytesOf, manifestOf, plainManifest, sha256, toHex } from './fixtures.js'

const INVALID_ID = { name: 'InvalidFileIdError' }
const INVALID_MANIFEST = { name: 'InvalidManifestError' }

const data = bytesOf(40_000, 3)
const manifest = manifestOf(data)
const otherManifest = manifestOf(bytesOf(40_000, 4))
const fileHash = sha256(data)
const hex = toHex(fileHash)

describe('file ids', () => {
  describe('fileIdOf', () => {
    it('is a CIDv1 of the manifest codec over the SHA-256 of the canonical manifest bytes', async () => {
      const id = await fileIdOf(manifest)
      assert.equal(id.version, 1)
      assert.equal(id.code, MANIFEST_CODEC)
      assert.equal(id.multihash.code, 0x12)
      assert.equal(toHex(id.multihash.digest), toHex(sha256(encodeManifest(manifest))))
      assert.ok(id.equals(await fileIdFromManifestBytes(encodeManifest(manifest))))
    })

    it('is deterministic and differs between manifests', async () => {
      const a = await fileIdOf(manifest)
      const b = await fileIdOf(manifestOf(bytesOf(40_000, 3)))
      assert.ok(a.equals(b))
      assert.equal(formatFileId(a), formatFileId(b))
      assert.ok(!a.equals(await fileIdOf(otherManifest)))
      // the same bytes cut differently are a different file id
      assert.ok(!a.equals(await fileIdOf(manifestOf(data, 32 * 1024))))
    })

    it('refuses an invalid manifest', async () => {
      await assert.rejects(fileIdOf({ ...manifest, chunkHashes: [] }), INVALID_MANIFEST)
    })
  })

  describe('text and binary forms', () => {
    it('formats as base32 and parses back', async () => {
      const id = await fileIdOf(manifest)
      const text = formatFileId(id)
      assert.match(text, /^b[a-z2-7]+$/)
      assert.equal(text, id.toString(base32))
      assert.ok(parseFileId(text).equals(id))
      assert.ok(parseFileId(`  ${text}\n`).equals(id))
      assert.equal(formatFileId(parseFileId(text)), text)
    })

    it('parses other multibase forms of the same id', async () => {
      const id = await fileIdOf(manifest)
      assert.ok(parseFileId(id.toString(base58btc)).equals(id))
      assert.ok(parseFileId(id.toString(base36)).equals(id))
    })

    it('rejects text that is not a peershare file id', async () => {
      const id = await fileIdOf(manifest)
      const text = formatFileId(id)
      const junk = [
        '',
        '   ',
        'hello',
        text.slice(0, -1),
        `${text}a`,
        `${text.slice(0, 10)} ${text.slice(10)}`,
        hex,
        sha256Cid(fileHash).toString(),
        CID.createV1(0x71, Digest.create(0x12, fileHash)).toString(),
        CID.createV0(Digest.create(0x12, fileHash)).toString()
      ]
      for (const t of junk) assert.throws(() => parseFileId(t), INVALID_ID, JSON.stringify(t))
    })

    it('decodes the binary form and rejects other bytes', async () => {
      const id = await fileIdOf(manifest)
      assert.ok(decodeFileId(id.bytes).equals(id))
      const bad = [
        new Uint8Array(0),
        Uint8Array.of(0x01),
        new Uint8Array(36).fill(0xff),
        bytesOf(40, 9),
        id.bytes.subarray(0, id.bytes.byteLength - 1),
        Uint8Array.of(...id.bytes, 0),
        sha256Cid(fileHash).bytes,
        CID.createV0(Digest.create(0x12, fileHash)).bytes,
        CID.createV1(MANIFEST_CODEC, Digest.create(0x13, new Uint8Array(64))).bytes,
        CID.createV1(MANIFEST_CODEC, Digest.create(0x12, new Uint8Array(20))).bytes
      ]
      for (const bytes of bad) assert.throws(() => decodeFileId(bytes), INVALID_ID, toHex(bytes))
    })
  })

  describe('sha256Cid', () => {
    it('is a raw-codec CIDv1 of the digest', () => {
      const cid = sha256Cid(fileHash)
      assert.equal(cid.version, 1)
      assert.equal(cid.code, RAW_CODEC)
      assert.equal(cid.multihash.code, 0x12)
      assert.equal(toHex(cid.multihash.digest), hex)
    })

    it('rejects a digest that is not 32 bytes', () => {
      for (const len of [0, 31, 33, 64]) assert.throws(() => sha256Cid(new Uint8Array(len)), INVALID_ID)
    })
  })

  describe('parseFileRef', () => {
    it('accepts a file id', async () => {
      const id = await fileIdOf(manifest)
      for (const text of [formatFileId(id), ` ${formatFileId(id)} `, id.toString(base58btc)]) {
        const ref = parseFileRef(text)
        assert.equal(ref.kind, 'file-id')
        assert.ok(ref.kind === 'file-id' && ref.fileId.equals(id))
      }
    })

    it('accepts 64 hex digits in either case, with or without a sha256: prefix', () => {
      for (const text of [hex, hex.toUpperCase(), `sha256:${hex}`, `SHA256:${hex.toUpperCase()}`, `  ${hex}\t`, `sha256:${hex.slice(0, 32).toUpperCase()}${hex.slice(32)}`]) {
        const ref = parseFileRef(text)
        assert.equal(ref.kind, 'sha256', text)
        assert.equal(ref.kind === 'sha256' && toHex(ref.sha256), hex)
      }
    })

    it('accepts the raw sha256 CID of a file', () => {
      for (const text of [sha256Cid(fileHash).toString(), sha256Cid(fileHash).toString(base58btc)]) {
        const ref = parseFileRef(text)
        assert.equal(ref.kind, 'sha256')
        assert.equal(ref.kind === 'sha256' && toHex(ref.sha256), hex)
      }
    })

    it('rejects junk and CIDs that are neither a file id nor a raw sha256', () => {
      const junk = [
        '',
        'hello',
        hex.slice(0, 63),
        `${hex}0`,
        `${hex.slice(0, 63)}g`,
        `sha256:${hex.slice(0, 62)}`,
        `sha256: ${hex}`,
        `md5:${hex}`,
        `0x${hex}`,
        `sha256:${sha256Cid(fileHash).toString()}`,
        CID.createV0(Digest.create(0x12, fileHash)).toString(),
        CID.createV1(0x71, Digest.create(0x12, fileHash)).toString(),
        CID.createV1(RAW_CODEC, Digest.create(0x13, new Uint8Array(64))).toString(),
        CID.createV1(RAW_CODEC, Digest.create(0x00, fileHash)).toString()
      ]
      for (const text of junk) assert.throws(() => parseFileRef(text), INVALID_ID, JSON.stringify(text))
    })
  })

  describe('verifyManifest', () => {
    it('accepts the bytes the file id was made from', async () => {
      const id = await fileIdOf(manifest)
      const m = await verifyManifest(id, encodeManifest(manifest))
      assert.deepEqual(plainManifest(m), plainManifest(manifest))
    })

    it('rejects the bytes of another manifest', async () => {
      const id = await fileIdOf(manifest)
      await assert.rejects(verifyManifest(id, encodeManifest(otherManifest)), INVALID_MANIFEST)
      const tampered = encodeManifest(manifest)
      tampered[tampered.byteLength - 1] ^= 1
      await assert.rejects(verifyManifest(id, tampered), INVALID_MANIFEST)
      await assert.rejects(verifyManifest(id, new Uint8Array(0)), INVALID_MANIFEST)
    })

    it('rejects bytes that match their id but are not a valid manifest', async () => {
      const garbage = new TextEncoder().encode('not a manifest')
      await assert.rejects(verifyManifest(await fileIdFromManifestBytes(garbage), garbage), INVALID_MANIFEST)
    })
  })

  it('converts hex both ways', () => {
    assert.equal(bytesToHex(fileHash), hex)
    assert.equal(toHex(hexToBytes(hex)), hex)
    assert.equal(toHex(hexToBytes(hex.toUpperCase())), hex)
  })
})
