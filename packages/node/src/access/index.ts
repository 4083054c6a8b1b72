/**
 * Access: who may fetch, see and find the files this node shares. Every shared file
 * has a visibility (FileRecord.visibility, absent = public):
 *
 *   public    served to anyone; offer gossiped and in every catalog and search answer;
 *             provided in the DHTs under its file id and its SHA-256
 *   contacts  served to contacts and grantees; offer (visibility contacts) never
 *             gossiped, in this node's catalog and search answers to contacts only;
 *             never provided under its SHA-256, under its file id only if encrypted
 *   private   served to grantees only; no offer; provided as contacts
 *
 * Decisions use the Noise-authenticated remote peer. A refused peer gets exactly the
 * answer for a file that does not exist (exchange/servable.ts, serve-session.ts), and
 * a session is re-checked before every chunk it is sent. A download of a file this
 * node knows as contacts-only (an offer it holds says so) is kept private, and not
 * served while in progress. Grants come from the keys
 * part through `Grantees` (the node starts with NO_GRANTEES).
 */
export { Access, type AccessComponents, type FileVisibility, type Grantees, NO_GRANTEES, downloadedVisibility, offerVisibility, providedNames, visibilityOf } from './policy.js'
