/**
 * Signed offers for search tests: real Ed25519 keys from fixed seeds (stable peer
 * ids), real signed envelopes, and the real catalog store they go in.
 */
import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type Offer, bytesToHex, categoryForMime, fileIdFromManifestBytes, formatFileId } from '@peershare/protocol'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { LevelDatastore } from 'datastore-level'
import { type CatalogEntry, CatalogStore, signOffer } from '../src/catalog/index.js'
import { DEFAULTS } from '../src/config.js'
import { Quarantine } from '../src/records/index.js'
import { type TestDir, tempDir } from './fixtures.js'

export interface Author {
  key: PrivateKey
  peerId: string
}

export async function author (seed: number): Promise<Author> {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
  return { key, peerId: peerIdFromPrivateKey(key).toString() }
}

/** A stable, valid file id for a label */
export async function fileIdFor (label: string): Promise<string> {
  return formatFileId(await fileIdFromManifestBytes(new TextEncoder().encode(`manifest of ${label}`)))
}

export type OfferFields = Partial<Omit<Offer, 'author' | 'contentId'>> & { name: string }

export async function makeOffer (by: Author, contentId: string, fields: OfferFields): Promise<Offer> {
  const mimeType = fields.mimeType ?? 'application/octet-stream'
  return {
    author: by.peerId,
    seq: 1n,
    contentId,
    removed: false,
    size: 1000,
    mimeType,
    sha256: bytesToHex(createHash('sha256').update(contentId).digest()),
    category: categoryForMime(mimeType),
    tags: [],
    description: '',
    created: 0,
    modified: 0,
    thumbnail: '',
    visibility: 'public',
    ...fields
  }
}

/** The real catalog store on LevelDB in a temporary directory, with a settable clock for receipt times */
export class TestCatalog {
  now: number

  private constructor (readonly store: CatalogStore, private readonly ds: LevelDatastore, private readonly dir: TestDir, now: number) {
    this.now = now
  }

  static async open (now: number = Date.now()): Promise<TestCatalog> {
    const dir = await tempDir()
    const ds = new LevelDatastore(join(dir.path, 'datastore'))
    await ds.open()
    const self = await author(250)
    let catalog: TestCatalog | undefined
    const store = await CatalogStore.open({ datastore: ds, quarantine: new Quarantine(ds, logger('test')), limits: DEFAULTS.catalog, self: self.peerId, log: logger('test:catalog'), now: () => catalog?.now ?? now })
    catalog = new TestCatalog(store, ds, dir, now)
    return catalog
  }

  /** Signs and stores an offer as received at `receivedAt` (default: now) */
  async add (by: Author, offer: Offer, options: { own?: boolean, receivedAt?: number } = {}): Promise<CatalogEntry | undefined> {
    const saved = this.now
    this.now = options.receivedAt ?? this.now
    try {
      return await this.store.add(await signOffer(offer, by.key), options.own ?? false)
    } finally {
      this.now = saved
    }
  }

  async close (): Promise<void> {
    await this.ds.close()
    await this.dir.cleanup()
  }
}
