import assert from 'node:assert/strict'
import {
  MAX_TAGS,
  type Offer,
  OFFER_VERSION,
  categoryForMime,
  decodeOffer,
  encodeOffer,
  offerKind,
  parseCategory,
  tombstone
} from '../src/index.js'
import { Offer as OfferPb } from '../src/pb/offer.js'

const AUTHOR = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const FILE_ID = 'bahijzqabciqd7jr7yai2t6sn5zfjrnwz7kegxrcsr5vtjuxuq6odpbyk6rrhmrq'
const COLLECTION_ID = 'bahizzqabciqphouy7jnkzfjrf5zpgy2k3qwryfvbooe4fwvusm3wny7zzeteyby'

function offer (fields: Partial<Offer> = {}): Offer {
  return {
    author: AUTHOR,
    seq: 1_700_000_000_000_000n,
    contentId: FILE_ID,
    removed: false,
    name: 'holiday.mp4',
    size: 1234,
    mimeType: 'video/mp4',
    sha256: 'ab'.repeat(32),
    category: 'video',
    tags: ['beach', 'summer'],
    description: 'Two weeks by the sea',
    created: 1_600_000_000_000,
    modified: 1_600_000_100_000,
    thumbnail: '',
    visibility: 'public',
    ...fields
  }
}

describe('offers', () => {
  it('round-trip through their canonical bytes', () => {
    const original = offer({ thumbnail: FILE_ID })
    assert.deepEqual(decodeOffer(encodeOffer(original)), original)
    assert.equal(offerKind(original), 'file')
  })

  it('decode names and tags through the one sanitiser, control characters out of descriptions', () => {
    const bytes = OfferPb.encode({
      ...OfferPb.decode(encodeOffer(offer())),
      name: '../../etc/<script>alert(1)</script>\u0007.txt',
      tags: ['a/b', '\u202eexe', 'ok', 'ok'],
      description: 'line\nnext\u0000\u001b[31m'
    })
    const decoded = decodeOffer(bytes)
    assert.ok(!decoded.name.includes('/') && !decoded.name.includes('<') && !decoded.name.includes('\u0007'), decoded.name)
    assert.deepEqual(decoded.tags, ['a_b', 'exe', 'ok'])
    assert.equal(decoded.description, 'line\nnext  [31m')
  })

  it('refuse what breaks a limit or is not canonical', () => {
    const base = OfferPb.decode(encodeOffer(offer()))
    const bad = [
      { ...base, tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) },
      { ...base, description: 'x'.repeat(5000) },
      { ...base, name: 'n'.repeat(300) },
      { ...base, sha256: new Uint8Array(31) },
      { ...base, contentId: new Uint8Array([1, 2, 3]) },
      { ...base, visibility: 3 }
    ]
    for (const pb of bad) assert.throws(() => decodeOffer(OfferPb.encode(pb)), { name: 'InvalidOfferError' })
    const canonical = encodeOffer(offer())
    // an explicit default-valued field (removed = false) is a second encoding of the same offer
    const padded = new Uint8Array([...canonical, 0x28, 0x00])
    assert.throws(() => decodeOffer(padded), { name: 'InvalidOfferError' })
    assert.throws(() => decodeOffer(new Uint8Array(30 * 1024)), { name: 'InvalidOfferError' })
  })

  it('of a newer format version are unsupported, not invalid', () => {
    const bytes = OfferPb.encode({ ...OfferPb.decode(encodeOffer(offer())), version: OFFER_VERSION + 1 })
    assert.throws(() => decodeOffer(bytes), { name: 'UnsupportedOfferVersionError' })
  })

  it('carry contacts visibility as wire value 1, tombstones too', () => {
    const contacts = { ...offer(), visibility: 'contacts' as const }
    const bytes = encodeOffer(contacts)
    assert.equal(OfferPb.decode(bytes).visibility, 1)
    assert.equal(decodeOffer(bytes).visibility, 'contacts')
    const dead = tombstone(AUTHOR, 5n, COLLECTION_ID, 'contacts')
    assert.deepEqual(decodeOffer(encodeOffer(dead)), dead)
    assert.throws(() => encodeOffer({ ...offer(), visibility: 'private' as never }), { name: 'InvalidOfferError' })
  })

  it('tombstones carry the id and nothing else', () => {
    const dead = tombstone(AUTHOR, 5n, COLLECTION_ID)
    assert.deepEqual(decodeOffer(encodeOffer(dead)), dead)
    assert.equal(offerKind(dead), 'collection')
    const withName = OfferPb.encode({ ...OfferPb.decode(encodeOffer(dead)), name: 'x' })
    assert.throws(() => decodeOffer(withName), { name: 'InvalidOfferError' })
  })

  it('a collection offer has no SHA-256, a file offer must', () => {
    assert.doesNotThrow(() => decodeOffer(encodeOffer(offer({ contentId: COLLECTION_ID, sha256: '', mimeType: 'inode/directory', category: 'other' }))))
    assert.throws(() => decodeOffer(encodeOffer(offer({ sha256: '' }))), { name: 'InvalidOfferError' })
  })
})

describe('categories', () => {
  it('follow the MIME type', () => {
    assert.equal(categoryForMime('video/webm'), 'video')
    assert.equal(categoryForMime('audio/flac'), 'audio')
    assert.equal(categoryForMime('image/png'), 'image')
    assert.equal(categoryForMime('text/plain; charset=utf-8'), 'document')
    assert.equal(categoryForMime('application/pdf'), 'document')
    assert.equal(categoryForMime('application/zip'), 'archive')
    assert.equal(categoryForMime('application/x-msdownload'), 'software')
    assert.equal(categoryForMime('application/octet-stream'), 'other')
  })

  it('parse what users type, refusing others', () => {
    assert.equal(parseCategory(' Video '), 'video')
    assert.throws(() => parseCategory('movies'), { name: 'InvalidMessageError' })
  })
})
