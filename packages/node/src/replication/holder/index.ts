/**
 * The holder side of replication (see ../index.ts for the contracts): what a node does
 * to offer storage and hold replicas for others.
 *
 * - `Holder` (HeldReplicas): the `/peershare/replicate/1.0.0` server, atomic quota
 *   reservations, replica fetches, drop and usage;
 * - `Membership`: other peers' storage offers and this node's own observations of them;
 * - `replicaRequests` (ReplicaRequests): the client asking a peer to hold a file;
 * - `StorageOffers`: this node's signed offer on `peershare/storage/1` and the validator of others'.
 */
export { Holder, type HolderComponents } from './holder.js'
export { Membership } from './membership.js'
export { replicaRequests, type ReplicaRequestsComponents } from './replica-requests.js'
export { MAX_REPLICATE_STREAMS_PER_CONNECTION } from './replicate-server.js'
export { HolderPermits, MAX_HOLDER_PERMITS } from './holder-permits.js'
export { StorageOffers, REPUBLISH_GAP, OFFERS_PER_PEER, OFFERS_WINDOW } from './storage-offers.js'
export { openStorageOffer, signStorageOffer } from './signed-storage-offer.js'
