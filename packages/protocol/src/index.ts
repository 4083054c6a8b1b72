/**
 * @packageDocumentation
 *
 * `@peershare/protocol`: the pure part of peershare, with no I/O, usable in a
 * browser. The content model (chunking arithmetic, manifest, file id, verification),
 * the wire messages of `/peershare/exchange/1.0.0`, the limits on everything a peer
 * controls, the one file-name sanitiser, tickets, collections (folders), offers and their categories, the discovery (catalog
 * pull and search) messages, file key grants and the key protocol's messages, and typed errors.
 */
export * from './constants.js'
export * from './errors.js'
export * from './manifest.js'
export * from './file-id.js'
export * from './verify.js'
export * from './names.js'
export * from './messages.js'
export * from './bitfield.js'
export * from './chunk-frame.js'
export * from './chunk-parts.js'
export * from './ticket.js'
export * from './collection.js'
export * from './category.js'
export * from './offer.js'
export * from './discovery.js'
export * from './keys.js'
export * from './replication.js'
