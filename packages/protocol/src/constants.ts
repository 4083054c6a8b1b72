/**
 * Protocol ids, content-model parameters and every limit a peer can push against.
 * Each limit is listed, with its reason, in doc/LIMITS.md; keep the two in step.
 */

/**
 * The chunk exchange protocol: manifest offer, chunk requests and chunk data. 1.1.0 is
 * 1.0.0 with one field more, Want.first (the first chunks asked for with the Want);
 * a 1.0.0 peer refuses a message with a field it does not know, so it is asked by the old id
 */
export const EXCHANGE_PROTOCOL = '/peershare/exchange/1.1.0'
/** The exchange protocol before Want.first: still served, and asked for from peers without 1.1.0 */
export const EXCHANGE_PROTOCOL_1_0 = '/peershare/exchange/1.0.0'

/** Manifest format version written today */
export const MANIFEST_VERSION = 1

/**
 * Default chunk size: 1 MiB. Measured on loopback (bench/), 1 MiB chunks keep one
 * stream within a few percent of a raw stream; 256 KiB costs more per-message overhead,
 * and above 1 MiB the gain is nil while a lost chunk costs more to fetch again and
 * multi-source scheduling gets coarser. A 4 GiB file has 4,096 chunks (128 KiB of hashes).
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024

/** Smallest and largest chunk size a manifest may declare (powers of two only) */
export const MIN_CHUNK_SIZE = 16 * 1024
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024

/**
 * Most chunks one manifest may list: 128 GiB at the default chunk size, 512 GiB at the
 * largest (a share picks a larger chunk size for a larger file, `chunkSizeFor`). What
 * bounds the cost of accepting a manifest: its 4.25 MiB of hashes are decoded into one
 * object per chunk and held by every session of the download (measured with
 * bench/src/manifest-memory.ts: about 95 MiB of peak memory to accept the largest
 * manifest, where 2^20 chunks cost about 600 MiB).
 */
export const MAX_CHUNKS = 128 * 1024

/** Largest file a manifest may describe: MAX_CHUNKS of the largest chunk size, 512 GiB */
export const MAX_FILE_SIZE = MAX_CHUNKS * MAX_CHUNK_SIZE

/** Length of a SHA-256 digest */
export const SHA256_LENGTH = 32

/** Longest encoded manifest accepted: MAX_CHUNKS hashes plus framing */
export const MAX_MANIFEST_BYTES = MAX_CHUNKS * (SHA256_LENGTH + 2) + 1024 + 2048

/** Encryption scheme 1: AES-256-GCM chunks, keys from HKDF-SHA256 (doc/SECURITY.md) */
export const ENCRYPTION_SCHEME_AES256GCM = 1
/** bytes of an encrypted file's salt */
export const ENCRYPTION_SALT_LENGTH = 16
/** bytes of an AES-GCM tag: each ciphertext chunk is its plaintext chunk plus this */
export const ENCRYPTION_TAG_LENGTH = 16
/** largest sealed metadata of an encrypted manifest (a name of MAX_NAME_BYTES, a MIME type, size, hash, tag) */
export const MAX_SEALED_METADATA_BYTES = 1024

/**
 * Longest exchange message accepted: an Offer of the largest manifest with a full
 * have-bitfield (MAX_CHUNKS / 8 bytes) and metadata (under 20 KiB at its limits), or a
 * full chunk; 64 KiB of room for the rest. Downloaders accept it only until the Offer.
 */
export const MAX_MESSAGE_BYTES = Math.max(MAX_MANIFEST_BYTES + MAX_CHUNKS / 8, MAX_CHUNK_SIZE) + 64 * 1024

/**
 * Bytes a Chunk message adds around its data (tags, index, hash, lengths: about 50).
 * Every other message a provider sends once its Offer is accepted (Have, Failure) is
 * smaller than this plus the smallest chunk, so a downloader reads at most
 * `chunkSize + MAX_CHUNK_MESSAGE_OVERHEAD` per message after the Offer.
 */
export const MAX_CHUNK_MESSAGE_OVERHEAD = 1024

/** Most chunk indices in one Request or Cancel message */
export const MAX_CHUNKS_PER_REQUEST = 1024

/**
 * Chunks a downloader may have requested and not yet received from one provider;
 * every provider accepts at least this many queued, so a downloader that stays
 * within it is never refused as busy.
 */
export const MAX_OUTSTANDING_CHUNKS = 64

/** Largest message a provider accepts from a downloader (a full Request is about 5 KiB) */
export const MAX_DOWNLOADER_MESSAGE_BYTES = 16 * 1024

/** Metadata bounds: a file name is at most 255 UTF-8 bytes (what common file systems take for one path component) */
export const MAX_NAME_BYTES = 255
/**
 * Room a file name leaves for the suffixes the node puts after it next to the file
 * (`.peershare-partial`, 18 bytes, while a download runs; `.peershare-copy`, 15, while
 * a collection copies a stored file), with spare for later ones.
 */
export const NAME_SUFFIX_BYTES = 32
/** Longest name `sanitizeFileName` gives: a name with every suffix still fits MAX_NAME_BYTES */
export const MAX_FILE_NAME_BYTES = MAX_NAME_BYTES - NAME_SUFFIX_BYTES
export const MAX_DESCRIPTION_LENGTH = 4096
export const MAX_TAGS = 32
export const MAX_TAG_LENGTH = 64
export const MAX_MIME_LENGTH = 128
export const MAX_ERROR_MESSAGE_LENGTH = 1024

/** Tickets (ticket.ts): the text form starts with this prefix */
export const TICKET_PREFIX = 'peershare1'
/** Ticket format version written today: the first byte of the binary form */
export const TICKET_VERSION = 1
/** Most addresses one ticket holds (a node picks its most useful ones) */
export const MAX_TICKET_ADDRESSES = 8
/** Longest binary multiaddr in a ticket (an IPv6 WebRTC address with certhash is about 60) */
export const MAX_TICKET_ADDRESS_BYTES = 128
/** Longest content id in a ticket (a file id is 38 bytes) */
export const MAX_TICKET_CID_BYTES = 128
/** Longest peer id in a ticket (an Ed25519 peer id is 38 bytes) */
export const MAX_TICKET_PEER_ID_BYTES = 64
/** Longest ticket text accepted: a ticket at every limit above fits (about 2,400 characters) */
export const MAX_TICKET_LENGTH = 2600
/** Collection format version written today */
export const COLLECTION_VERSION = 1
/** Most entries (files and empty directories) one collection may list */
export const MAX_COLLECTION_ENTRIES = 100_000
/** Longest path inside a collection, in UTF-8 bytes (Linux's PATH_MAX) */
export const MAX_COLLECTION_PATH_BYTES = 4096
/** Most segments in one path inside a collection */
export const MAX_COLLECTION_DEPTH = 64
/** Longest encoded collection listing accepted: about 100 bytes for each of the most entries, with room for long paths */
export const MAX_COLLECTION_BYTES = 16 * 1024 * 1024

/** Offers (offer.ts): format version written today */
export const OFFER_VERSION = 1
/** Largest encoded offer: every text field at its limit fits (about 19 KiB of UTF-8) */
export const MAX_OFFER_BYTES = 24 * 1024
/** Largest signed offer envelope (an offer plus the author's key, signature and framing) */
export const MAX_SIGNED_OFFER_BYTES = MAX_OFFER_BYTES + 1024
/** Longest peer id an offer names (an Ed25519 peer id is 38 bytes) */
export const MAX_OFFER_PEER_ID_BYTES = 64
/** Longest content id an offer names (a file id is 38 bytes) */
export const MAX_OFFER_CID_BYTES = 128

/** Catalog pull (discovery.ts): a peer's catalog log, page by page */
export const CATALOG_PROTOCOL = '/peershare/catalog/1.0.0'
/** Remote search (discovery.ts): a query answered from a peer's own index */
export const SEARCH_PROTOCOL = '/peershare/search/1.0.0'
/** Largest catalog or search request accepted (a full SearchRequest is under 700 bytes) */
export const MAX_DISCOVERY_REQUEST_BYTES = 1024
/** Largest catalog page or search answer accepted; a server stops adding entries before it */
export const MAX_DISCOVERY_RESPONSE_BYTES = 1024 * 1024
/** Most entries in one catalog page */
export const MAX_CATALOG_PAGE_ENTRIES = 500
/** Most entries in one search answer */
export const MAX_SEARCH_RESULTS = 50
/** Longest search text, in UTF-8 bytes */
export const MAX_SEARCH_TEXT_BYTES = 256
/** Longest catalog log epoch (a node writes 32 hex digits) */
export const MAX_CATALOG_EPOCH_LENGTH = 64
/** Longest author peer id in a search request (an Ed25519 peer id is 52 characters of base58) */
export const MAX_SEARCH_AUTHOR_LENGTH = 128

/**
 * Thumbnails (a file of their own, named by an offer): at most this many bytes, so
 * fetching one is a single small chunk. A sharer lowers the WebP quality until its
 * thumbnail fits; a reader may refuse a larger one.
 */
export const MAX_THUMBNAIL_BYTES = 16 * 1024
/** A generated thumbnail fits inside a square of this many pixels a side */
export const THUMBNAIL_DIMENSION = 320
/**
 * Most pixels (width × height) an image may declare for a sharer to decode it into a
 * thumbnail: above it (a decompression bomb, or a huge scan) the file is shared
 * without one. 50 megapixels is a 8660 × 5773 photo; decoding it holds about 150 MB of pixels.
 */
export const MAX_THUMBNAIL_INPUT_PIXELS = 50_000_000
/** Longest a sharer spends decoding and encoding one thumbnail, in seconds */
export const THUMBNAIL_TIMEOUT_SECONDS = 30

/** Key grants and the key protocol (keys.ts): file keys pushed to and fetched by their recipients */
export const KEYS_PROTOCOL = '/peershare/keys/1.0.0'
/** Grant format version written today */
export const GRANT_VERSION = 1
/** Key type of a grant carrying the file key wrapped to the recipient's Ed25519 peer id */
export const GRANT_KEY_WRAPPED = 1
/** Key type of a grant that is a permission only (a plaintext private or contacts file): no key */
export const GRANT_KEY_NONE = 0
/** bytes of a wrapped file key: HPKE's 32-byte encapsulated key, the 32-byte key and its 16-byte tag */
export const WRAPPED_FILE_KEY_LENGTH = 80
/** Largest encoded grant: ids, wrapped key, salt, sealed metadata and a name at their limits fit (about 1.8 KiB) */
export const MAX_GRANT_BYTES = 2048
/** Largest signed grant envelope (a grant plus the sender's key, signature, domain and framing) */
export const MAX_SIGNED_GRANT_BYTES = MAX_GRANT_BYTES + 512
/** Most grants one push carries, and one fetch answer */
export const MAX_GRANTS_PER_MESSAGE = 32
/** Largest key protocol request or response: the most grants at their largest, and framing */
export const MAX_KEYS_MESSAGE_BYTES = MAX_GRANTS_PER_MESSAGE * (MAX_SIGNED_GRANT_BYTES + 4) + 256

/** Replication (replication.ts): storage offers over gossip and the replicate request protocol */
export const REPLICATE_PROTOCOL = '/peershare/replicate/1.0.0'
/** gossipsub topic of signed storage offers */
export const STORAGE_TOPIC = 'peershare/storage/1'
/** signed envelope domain and payload type of a storage offer */
export const STORAGE_OFFER_DOMAIN = 'peershare-storage-offer'
export const STORAGE_OFFER_PAYLOAD_TYPE = '/peershare/storage-offer/1'
/** Storage offer format version written today */
export const STORAGE_OFFER_VERSION = 1
/** Largest encoded storage offer: a peer id and a few numbers (about 110 bytes) */
export const MAX_STORAGE_OFFER_BYTES = 256
/** Largest signed storage offer envelope (the offer, the key, the signature, domain and framing) */
export const MAX_SIGNED_STORAGE_OFFER_BYTES = MAX_STORAGE_OFFER_BYTES + 512
/** Largest replicate request (a file id and a few numbers) and response */
export const MAX_REPLICATE_MESSAGE_BYTES = 256
/** Most replicas a policy may ask for (the node's MAX_REPLICAS says the same) */
export const MAX_REPLICATION_POLICY = 64
/** Most replica fetches a storage offer may claim to run at once */
export const MAX_STORAGE_CONCURRENCY = 1024
