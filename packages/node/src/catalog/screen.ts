/**
 * A peer's answer (a catalog page, a search answer) is all or nothing: every signed
 * offer in it is opened before any is ingested, and one that is forged or malformed
 * condemns the whole answer, so a peer cannot slip forgeries between genuine offers
 * (genuine offers it passed on reach us from honest peers anyway). An offer of a newer
 * format version is left out without blame, and so is a contacts-only offer `from`
 * a peer that is not its author (only an author serves those, and only to its contacts).
 */
import { type SignedOffer, openOffer } from './signed-offer.js'

/** The opened offers go to `CatalogView.addOpened`: each signature is checked once */
export type Screened =
  | { ok: true, offers: SignedOffer[] }
  | { ok: false, reason: string }

export async function screenEnvelopes (envelopes: Uint8Array[], from: string): Promise<Screened> {
  const kept: SignedOffer[] = []
  for (const envelope of envelopes) {
    const opened = await openOffer(envelope)
    if (opened.result === 'reject') return { ok: false, reason: opened.reason }
    if (opened.result === 'accept' && (opened.signed.offer.visibility === 'public' || opened.signed.offer.author === from)) kept.push(opened.signed)
  }
  return { ok: true, offers: kept }
}
