/**
 * Contacts: peers this node knows by name. A contact may fetch, browse and search the
 * files shared with visibility `contacts` (access/); names stand for peer ids wherever
 * a command takes a peer (`share --to`, `grant`) through `resolve`.
 *
 *   add(peerId, { name })  adds or renames (names unique ignoring case, never a peer id)
 *   ls()                   every contact
 *   rm(nameOrPeerId)       removes; service of contacts-only files stops at the peer's next request
 *   resolve(nameOrPeerId)  a contact's peer id, or any peer id; else ContactNotFoundError
 *   isContact(peer)        the serve-time check (in memory)
 *
 * Persisted in the node's datastore under `/peershare/contacts/`, at most MAX_CONTACTS.
 */
export { type Contact, ContactStore } from './contact-store.js'
export { MAX_CONTACTS, MAX_CONTACT_NAME_LENGTH, checkContactName } from './contact-name.js'
