/**
 * Scenario "search": local search at N cached offers (default 100k). Signs N offers
 * once (40 authors: the catalog caps an author's bytes at 2 MiB, about 4k offers),
 * stores them in a real catalog (LevelDB) of a node that is never started, builds
 * the search index from the catalog as a daemon does at start, and times 200 queries
 * of each kind (1 term, 2 terms AND, prefix, typo; top 20). Prints build time, the
 * index's heap (after GC, the offers it keeps included) and p50/p95 beside the target.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PeershareNode, SearchIndex, type SignedOffer, signOffer } from '@peershare/node'
import { MANIFEST_CODEC, type Offer, categoryForMime, formatFileId } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { type BenchContext, formatTable } from './context.js'

const AUTHORS = 40
const QUERIES = 200
const TARGET_P95_MS = 50
const EXTENSIONS: Array<[string, string]> = [['mp4', 'video/mp4'], ['mkv', 'video/x-matroska'], ['mp3', 'audio/mpeg'], ['flac', 'audio/flac'], ['jpg', 'image/jpeg'], ['pdf', 'application/pdf'], ['zip', 'application/zip'], ['iso', 'application/x-iso9660-image'], ['txt', 'text/plain']]

export async function runSearch (ctx: BenchContext): Promise<void> {
  const n = ctx.opts.searchOffers
  const dir = await mkdtemp(join(ctx.work, 'search-'))
  const gc = exposeGc()
  const corpus = new Corpus(20_000, 42)
  console.log(`search: signing ${n} offers from ${AUTHORS} authors...`)
  let t = performance.now()
  const signed = await signAll(corpus, n)
  const signMs = performance.now() - t
  const node = await PeershareNode.create({ repo: dir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  try {
    console.log('search: storing them in the catalog (LevelDB)...')
    t = performance.now()
    for (const s of signed) await node.catalog.add(s, false)
    const storeMs = performance.now() - t
    signed.length = 0
    // what the index build spends reading the catalog (LevelDB, decoding each offer)
    t = performance.now()
    let scanned = 0
    for await (const _ of node.catalog.entries()) scanned++
    const scanMs = performance.now() - t
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const index = new SearchIndex({ catalog: node.catalog, providers: () => 0 })
    t = performance.now()
    index.start()
    await index.ready
    const buildMs = performance.now() - t
    gc()
    const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 1e6
    const kinds = queryKinds(corpus)
    const rows = [['query (top 20)', 'p50', 'p95', `target p95 <= ${TARGET_P95_MS} ms`]]
    for (const [label, make] of kinds) {
      const times: number[] = []
      let hits = 0
      for (let i = 0; i < QUERIES; i++) {
        const text = make()
        const q0 = performance.now()
        hits += index.query({ text, limit: 20 }).hits.length > 0 ? 1 : 0
        times.push(performance.now() - q0)
      }
      const [p50, p95] = [pct(times, 0.5), pct(times, 0.95)]
      rows.push([`${label} (${hits}/${QUERIES} found)`, `${p50.toFixed(1)} ms`, `${p95.toFixed(1)} ms`, p95 <= TARGET_P95_MS ? 'met' : 'MISSED'])
    }
    index.stop()
    console.log(formatTable([
      ['measure', 'value'],
      ['offers indexed', String(index.size)],
      ['sign all (once)', `${(signMs / 1000).toFixed(1)} s (${(signMs * 1000 / n).toFixed(0)} us each)`],
      ['store in the catalog', `${(storeMs / 1000).toFixed(1)} s`],
      ['read the catalog (entries(), alone)', `${(scanMs / 1000).toFixed(1)} s (${scanned} offers)`],
      ['build the index from the catalog (reading included)', `${(buildMs / 1000).toFixed(1)} s`],
      ['index heap (offers kept included)', `${heapMB.toFixed(0)} MB`]
    ]))
    console.log(formatTable(rows))
  } finally {
    await node.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
}

async function signAll (corpus: Corpus, n: number): Promise<SignedOffer[]> {
  const keys: PrivateKey[] = await Promise.all(Array.from({ length: AUTHORS }, async () => generateKeyPair('Ed25519')))
  const authors = keys.map(k => peerIdFromPrivateKey(k).toString())
  const out: SignedOffer[] = []
  for (let i = 0; i < n; i++) {
    const a = i % AUTHORS
    out.push(await signOffer(corpus.offer(authors[a], BigInt(Math.floor(i / AUTHORS) + 1), i), keys[a]))
  }
  return out
}

/** The four query kinds, each drawing words the corpus uses (so most queries find something) */
function queryKinds (corpus: Corpus): Array<[string, () => string]> {
  return [
    ['1 term', () => corpus.word()],
    ['2 terms AND', () => { const name = corpus.nameWords(); return `${name[0]} ${name[1]}` }],
    ['prefix', () => corpus.word(true).slice(0, 4)],
    ['typo (1 edit)', () => typo(corpus.word(true), corpus.random)]
  ]
}

/** Synthetic offers: names of 2-5 Zipf-distributed words + year + extension, 1-4 tags, 8-22-word descriptions */
class Corpus {
  private readonly words: string[]
  private seed: number

  constructor (size: number, seed: number) {
    this.seed = seed
    const syllables = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'da', 'pe', 'shi', 'gor', 'lan', 'mar', 'tin', 'bel', 'fos', 'qua', 'zen', 'dri']
    const set = new Set<string>()
    while (set.size < size) set.add(Array.from({ length: 2 + Math.floor(this.random() * 3) }, () => syllables[Math.floor(this.random() * syllables.length)]).join(''))
    this.words = [...set]
  }

  readonly random = (): number => {
    // mulberry32: the same corpus every run
    this.seed = (this.seed + 0x6d2b79f5) | 0
    let t = this.seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Zipf-like: log-uniform rank; `long` picks words of 6+ letters (for prefix and typo queries) */
  word (long = false): string {
    for (;;) {
      const w = this.words[Math.floor(Math.exp(this.random() * Math.log(this.words.length))) - 1]
      if (!long || w.length >= 6) return w
    }
  }

  nameWords (): string[] {
    return Array.from({ length: 2 + Math.floor(this.random() * 4) }, () => this.word())
  }

  offer (author: string, seq: bigint, i: number): Offer {
    const [ext, mimeType] = EXTENSIONS[i % EXTENSIONS.length]
    const digest = new Uint8Array(32)
    new DataView(digest.buffer).setUint32(0, i)
    new DataView(digest.buffer).setUint32(4, Math.floor(this.random() * 2 ** 32))
    return {
      author,
      seq,
      contentId: formatFileId(CID.createV1(MANIFEST_CODEC, Digest.create(0x12, digest))),
      removed: false,
      name: `${this.nameWords().join(' ')} ${1990 + (i % 35)}.${ext}`,
      size: 1000 + Math.floor(this.random() * 2 ** 30),
      mimeType,
      sha256: Buffer.from(digest).toString('hex'),
      category: categoryForMime(mimeType),
      tags: Array.from({ length: 1 + Math.floor(this.random() * 4) }, () => this.word()),
      description: Array.from({ length: 8 + Math.floor(this.random() * 15) }, () => this.word()).join(' '),
      created: 1_600_000_000_000 + i * 1000,
      modified: 1_600_000_000_000 + i * 1000,
      thumbnail: '',
      visibility: 'public'
    }
  }
}

/** One substituted letter in the middle */
function typo (word: string, random: () => number): string {
  const at = 1 + Math.floor(random() * (word.length - 2))
  const letter = String.fromCharCode(97 + Math.floor(random() * 26))
  return word.slice(0, at) + (letter === word[at] ? 'x' : letter) + word.slice(at + 1)
}

function pct (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

/** gc() without starting node with --expose-gc */
function exposeGc (): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
