/**
 * `openOffer` remembers the offers it accepted (by their envelope bytes), so an envelope
 * that comes again is not checked again: the verdict stays the same, a forgery is still
 * rejected after its genuine original was remembered, callers get their own copy, and
 * what it remembers is bounded.
 */
import assert from 'node:assert/strict'
import { ACCEPTED_OFFERS_KEPT, acceptedOffersHeld, openOffer } from '../src/catalog/signed-offer.js'
import { type Author, forgedOffer, newAuthor, signedOffer } from './offers.js'

describe('signed offers: accepted offers remembered', () => {
  let author: Author

  before(async () => {
    author = await newAuthor()
  })

  it('an envelope opened again is accepted with the same offer, as a copy of its own', async () => {
    const signed = await signedOffer(author, 1n, undefined, { name: 'a.txt', tags: ['one'] })
    const held = acceptedOffersHeld()
    const first = await openOffer(signed.envelope)
    assert.equal(acceptedOffersHeld(), held + 1)
    const again = await openOffer(new Uint8Array(signed.envelope))
    assert.equal(acceptedOffersHeld(), held + 1)
    assert.equal(first.result, 'accept')
    assert.equal(again.result, 'accept')
    if (first.result !== 'accept' || again.result !== 'accept') return
    assert.deepEqual(again.signed.offer, signed.offer)
    // what one caller does to its offer is not what the next one gets
    again.signed.offer.tags.push('changed')
    again.signed.offer.name = 'changed.txt'
    const third = await openOffer(signed.envelope)
    assert.equal(third.result, 'accept')
    if (third.result === 'accept') assert.deepEqual(third.signed.offer, signed.offer)
  })

  it('a remembered offer with one byte of its signature changed is rejected, and so is a forged author', async () => {
    const signed = await signedOffer(author, 2n)
    assert.equal((await openOffer(signed.envelope)).result, 'accept')
    const tampered = new Uint8Array(signed.envelope)
    tampered[tampered.length - 1] ^= 1
    const verdict = await openOffer(tampered)
    assert.equal(verdict.result, 'reject')
    assert.match(verdict.result === 'reject' ? verdict.reason : '', /does not verify/)
    const mallory = await newAuthor()
    assert.equal((await openOffer(await forgedOffer(mallory.key, author.id, 3n))).result, 'reject')
    // and the genuine one is still accepted
    assert.equal((await openOffer(signed.envelope)).result, 'accept')
  })

  it('remembers at most ACCEPTED_OFFERS_KEPT offers', async function () {
    this.timeout(120_000)
    for (let i = 0; i < ACCEPTED_OFFERS_KEPT + 20; i++) {
      assert.equal((await openOffer((await signedOffer(author, BigInt(100 + i))).envelope)).result, 'accept')
    }
    assert.equal(acceptedOffersHeld(), ACCEPTED_OFFERS_KEPT)
  })
})
